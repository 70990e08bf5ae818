package io.fleetcontrol.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.PauseQuota;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.UploadCounters;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A snapshot written as DeviceEntity$State (thirteen fields in a row) reads as the DeviceState it was. */
class DeviceStateMigrationTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant AT = Instant.parse("2026-11-30T09:00:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void anOldSnapshotReadsAsTheStateItWas() throws Exception {
    var identity = new DeviceIdentity("laptop-1", "ana@example.com", "US", Map.of("team", "tax"), "0.1.0", "UTC");
    Policy v1 = Policy.starter("default", 1);
    Policy v2 = Policy.starter("default", 2);
    DeviceState state = new DeviceState(
        new DeviceState.Enrollment(identity, DeviceCredential.issued("c", "e"), AT),
        new DeviceState.Policies(v2, new PolicyVersion("default", 2), new PolicyVersion("default", 1), v1),
        new DeviceState.Pause(AT.plusSeconds(60), AT.plusSeconds(660), new PauseQuota(LocalDate.of(2026, 11, 30), 1)),
        new DeviceState.Exemptions(List.of(ExemptionRecord.requested("ex-1", ExemptionScope.FULL, ExemptionReason.OTHER, "", AT))),
        new UploadCounters(LocalDate.of(2026, 11, 30), 10, java.time.YearMonth.of(2026, 11), 20),
        new DeviceState.TakenRequests(List.of(new DeviceState.TakenRequest("req-1", null))));

    ObjectMapper mapper = JacksonObjectMapperProvider.get(testKit.system()).getOrCreate("jackson-cbor", Optional.empty());
    JsonNode now = mapper.valueToTree(state);
    ObjectNode old = mapper.createObjectNode();
    old.set("identity", now.at("/enrollment/identity"));
    old.set("credential", now.at("/enrollment/credential"));
    old.set("enrollTime", now.at("/enrollment/enrollTime"));
    old.set("targetPolicy", now.at("/policies/target"));
    old.set("appliedPolicyVersion", now.at("/policies/applied"));
    old.put("noticeAcknowledgedVersion", 1); // written before versions had their policy's name
    old.set("pauseStart", now.at("/pause/start"));
    old.set("pauseEnd", now.at("/pause/end"));
    old.set("pauseQuota", now.at("/pause/quota"));
    old.set("exemptions", now.at("/exemptions/all"));
    old.set("uploads", now.at("/uploads"));
    old.set("recentRequests", now.at("/taken/recent"));
    old.set("previousPolicy", now.at("/policies/previous"));

    var serialization = SerializationExtension.get(testKit.system());
    var serializer = serialization.findSerializerFor(state);
    assertEquals(DeviceState.class.getName(), Serializers.manifestFor(serializer, state));
    Object read = serialization.deserialize(mapper.writeValueAsBytes(old), serializer.identifier(),
        DeviceStateMigration.OLD_NAME).get();
    assertEquals(state, read);
  }
}
