package io.fleetcontrol.agent.link;

import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentWireTest {

  @Test
  void dropsExemptionsWhoseScopeOrStatusItCannotReadAndShowsUnknownReasonsAsOther() {
    Exemption readable =
        Exemption.newBuilder()
            .setExemptionId("ok")
            .setScope(io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_KEYSTROKES)
            .setReasonValue(99)
            .setStatus(io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_EXPIRED)
            .build();
    ExemptionUpdate update =
        ExemptionUpdate.newBuilder()
            .addExemptions(readable)
            .addExemptions(readable.toBuilder().setExemptionId("no-scope").setScopeValue(0))
            .addExemptions(readable.toBuilder().setExemptionId("new-status").setStatusValue(42))
            .build();

    List<ExemptionRecord> exemptions = AgentWire.fromProto(update).exemptions();

    assertEquals(List.of("ok"), exemptions.stream().map(ExemptionRecord::exemptionId).toList());
    assertEquals(ExemptionReason.OTHER, exemptions.get(0).reason());
    assertEquals(ExemptionScope.NO_KEYSTROKES, exemptions.get(0).scope());
    assertEquals(ExemptionStatus.EXPIRED, exemptions.get(0).status());
  }
}
