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

/** Events journaled, and commands sent, while they were nested in DeviceEntity read back as the new records. */
class DeviceMessagesRenameTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Object readAsJournaledBeforeTheMove(Object written) {
    Serialization serialization = SerializationExtension.get(testKit.system());
    byte[] bytes = serialization.serialize(written).get();
    var serializer = serialization.findSerializerFor(written);
    String manifest = Serializers.manifestFor(serializer, written);
    String newPrefix = written.getClass().getEnclosingClass().getName() + "$";
    assertTrue(manifest.startsWith(newPrefix), manifest);
    String old = DeviceMessagesRename.OLD_PREFIX + manifest.substring(newPrefix.length());
    return serialization.deserialize(bytes, serializer.identifier(), old).get();
  }

  @Test
  void everyKindOfEventUnderItsOldNameReadsAsTheNewRecord() {
    var identity = new DeviceIdentity("laptop-1", "ana@example.com", "US", Map.of("team", "tax"), "0.1.0", "UTC");
    List<DeviceEvent> events = List.of(
        new DeviceEvent.DeviceEnrolled("laptop-1", identity, "c", "e", "et-1", AT, null),
        new DeviceEvent.PolicyAssigned("laptop-1", Policy.starter("default", 2), AT, "ops"),
        new DeviceEvent.PolicyApplied("laptop-1", 2, AT, "default"),
        new DeviceEvent.PauseStarted("laptop-1", AT, AT.plusSeconds(600), "req-1"),
        new DeviceEvent.ExemptionRequested("laptop-1", "ex-1", ExemptionScope.FULL, ExemptionReason.SENSITIVE_WORK, "", AT, null),
        new DeviceEvent.ExemptionRevoked("laptop-1", "ex-1", "done", "ops", AT));
    for (DeviceEvent event : events) {
      assertEquals(event, readAsJournaledBeforeTheMove(event));
    }
    var heartbeat = new DeviceCommand.Heartbeat(AT, io.fleetcontrol.policy.DeviceTelemetry.UNKNOWN,
        new io.fleetcontrol.policy.PolicyVersion("default", 2), "0.1.0", null, "c");
    assertEquals(heartbeat, readAsJournaledBeforeTheMove(heartbeat), "a command from a node of the previous release");
  }

  @Test
  void everyEventAndCommandClassHasItsOldNameBound() {
    var bound = testKit.system().settings().config().getConfig("pekko.serialization.jackson.migrations");
    var kinds = new java.util.ArrayList<Class<?>>(List.of(DeviceEvent.class.getPermittedSubclasses()));
    kinds.addAll(List.of(DeviceCommand.class.getDeclaredClasses()));
    kinds.remove(DeviceCommand.Request.class);
    for (Class<?> kind : kinds) {
      String old = "\"" + DeviceMessagesRename.OLD_PREFIX + kind.getSimpleName() + "\"";
      assertTrue(bound.hasPath(old), old + " is not bound in reference.conf");
      assertEquals(DeviceMessagesRename.class.getName(), bound.getString(old));
    }
  }
}
