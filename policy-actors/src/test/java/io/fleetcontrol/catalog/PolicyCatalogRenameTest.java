package io.fleetcontrol.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** Events and snapshots journaled before the move from package policyregistry still read back. */
class PolicyCatalogRenameTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Object readAsJournaledBeforeTheMove(Object written) {
    Serialization serialization = SerializationExtension.get(testKit.system());
    byte[] bytes = serialization.serialize(written).get();
    var serializer = serialization.findSerializerFor(written);
    String manifest = Serializers.manifestFor(serializer, written)
        .replace("io.fleetcontrol.catalog.", PolicyCatalogRename.OLD_PACKAGE);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  @Test
  void anEventAndASnapshotUnderTheOldPackageReadAsTheNewClasses() {
    Policy policy = Policy.starter("default", 1);
    var event = new PolicyCatalog.PolicyVersionCreated(policy, "ops", Instant.parse("2026-12-01T10:00:00Z"));
    assertEquals(event, readAsJournaledBeforeTheMove(event));
    var state = new PolicyCatalog.State(Map.of("default", List.of(policy)));
    assertEquals(state, readAsJournaledBeforeTheMove(state));
  }
}
