package io.fleetcontrol.controller.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.apache.pekko.grpc.GrpcServiceException;
import org.junit.jupiter.api.Test;

/** Rollout ids are checked before any entity is named by them. */
class RolloutIdsTest {

  @Test
  void aWellFormedIdNamesItsPolicy() {
    assertEquals("office-laptops", RolloutAdmin.policyOf("office-laptops-12"));
  }

  @Test
  void malformedOrOverlongIdsAreInvalidArgumentNamingTheField() {
    for (String bad : new String[] {"", "nodash", "-1", "policy-", "policy-0", "policy-x1", "policy-01",
        "p-" + "9".repeat(12), "p".repeat(127) + "-1", "p".repeat(1_000_000)}) {
      GrpcServiceException e = assertThrows(GrpcServiceException.class, () -> RolloutAdmin.policyOf(bad),
          bad.length() > 40 ? bad.length() + " characters" : bad);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().startsWith("rollout_id"), e.getStatus().getDescription());
      assertTrue(e.getStatus().getDescription().length() < 300, "the message does not echo the id whole");
    }
  }
}
