package io.fleetcontrol.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetcontrol.policy.rollout.RolloutGates;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Rollouts and passed waves journaled before a wave's counts were kept still read, with no counts. */
class RolloutCountsCompatibilityTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant AT = Instant.parse("2026-12-01T09:00:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private Object readWithout(Object written, String field) throws Exception {
    ObjectMapper mapper = JacksonObjectMapperProvider.get(testKit.system()).getOrCreate("jackson-cbor", Optional.empty());
    ObjectNode old = mapper.valueToTree(written);
    old.remove(field);
    var serialization = SerializationExtension.get(testKit.system());
    var serializer = serialization.findSerializerFor(written);
    return serialization.deserialize(mapper.writeValueAsBytes(old), serializer.identifier(),
        Serializers.manifestFor(serializer, written)).get();
  }

  @Test
  void anOlderRolloutReadsWithNoPassedWaveCounts() throws Exception {
    var spec = new PolicyRollouts.Spec("default", 2, new PolicyRollouts.Selector(true, Map.of(), List.of()),
        List.of(10.0, 100.0), RolloutGates.DEFAULTS);
    var rollout = new PolicyRollouts.Rollout("default-1", spec, PolicyRollouts.Status.RUNNING, 1,
        List.of("10 of 10 acked"), "wave 2 running", "ops", AT, AT,
        List.of(new PolicyRollouts.Progress(0, 10, 10, 10, "passed")));

    var read = (PolicyRollouts.Rollout) readWithout(rollout, "passedWaves");

    assertEquals(List.of(), read.passedWaves());
    assertEquals(Optional.empty(), read.passed(0));
    assertEquals(rollout.waveMessages(), read.waveMessages());
  }

  @Test
  void anOlderPassedWaveEventReadsWithNoCounts() throws Exception {
    var event = new PolicyRollouts.WaveCompleted("default-1", 0, "10 of 10 acked", AT,
        new PolicyRollouts.Progress(0, 10, 10, 10, "passed"));

    var read = (PolicyRollouts.WaveCompleted) readWithout(event, "last");

    assertNull(read.last());
    assertEquals("10 of 10 acked", read.message());
  }
}
