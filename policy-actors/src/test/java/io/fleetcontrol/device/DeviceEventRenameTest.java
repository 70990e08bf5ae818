package io.fleetcontrol.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.Policy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Events journaled while they were nested in DeviceEntity read back as the DeviceEvent records. */
class DeviceEventRenameTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Object readAsJournaledBeforeTheMove(DeviceEvent written) {
    Serialization serialization = SerializationExtension.get(testKit.system());
    byte[] bytes = serialization.serialize(written).get();
    var serializer = serialization.findSerializerFor(written);
    String manifest = Serializers.manifestFor(serializer, written);
    assertTrue(manifest.startsWith(DeviceEventRename.NEW_PREFIX), manifest);
    String old = DeviceEventRename.OLD_PREFIX + manifest.substring(DeviceEventRename.NEW_PREFIX.length());
    return serialization.deserialize(bytes, serializer.identifier(), old).get();
  }

  @Test
  void everyKindOfEventUnderItsOldNameReadsAsTheNewRecord() {
    var identity = new DeviceIdentity("laptop-1", "ana@example.com", "US", Map.of("team", "tax"), "0.1.0", "UTC");
    List<DeviceEvent> events = List.of(
        new DeviceEvent.DeviceEnrolled("laptop-1", identity, "c", "e", "et-1", AT),
        new DeviceEvent.PolicyAssigned("laptop-1", Policy.starter("default", 2), AT, "ops"),
        new DeviceEvent.PolicyApplied("laptop-1", 2, AT, "default"),
        new DeviceEvent.PauseStarted("laptop-1", AT, AT.plusSeconds(600), "req-1"),
        new DeviceEvent.ExemptionRequested("laptop-1", "ex-1", ExemptionScope.FULL, ExemptionReason.SENSITIVE_WORK, "", AT, null),
        new DeviceEvent.ExemptionRevoked("laptop-1", "ex-1", "done", "ops", AT));
    for (DeviceEvent event : events) {
      assertEquals(event, readAsJournaledBeforeTheMove(event));
    }
  }

  @Test
  void everyEventClassHasItsOldNameBound() {
    var bound = testKit.system().settings().config().getObject("pekko.serialization.jackson.migrations").keySet();
    for (Class<?> kind : DeviceEvent.class.getPermittedSubclasses()) {
      String old = DeviceEventRename.OLD_PREFIX + kind.getSimpleName();
      assertTrue(bound.contains(old), old + " is not bound to DeviceEventRename in reference.conf");
    }
  }
}
