package io.fleetcontrol.controller.admin;

import static io.fleetcontrol.controller.admin.AdminFixture.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.controller.security.SignedSecrets;
import io.fleetcontrol.enrollment.EnrollmentToken;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensRequest;
import io.fleetcontrol.proto.v1.RevokeEnrollmentTokenRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Enrollment tokens' requests are checked before the table or a token's entity is touched (neither exists here). */
class EnrollmentTokenAdminTest {

  private final EnrollmentTokenAdmin admin = new EnrollmentTokenAdmin(null, null, "fleet",
      new SignedSecrets("k".repeat(40)), AdminFixture.ASK, new io.fleetcontrol.controller.readside.TestClock(
          AdminFixture.NOW));

  private static Timestamp in(Duration d) {
    return Timestamp.newBuilder().setSeconds(AdminFixture.NOW.plus(d).getEpochSecond()).build();
  }

  @Test
  void aTokenNeedsUsesAndAnExpiryWithinAYear() {
    var ok = CreateEnrollmentTokenRequest.newBuilder().setMaxUses(10).setExpireTime(in(Duration.ofDays(30)));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.create(ok.clone().setMaxUses(0).build(), "ida"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.create(ok.clone().setMaxUses(100_001).build(), "ida"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.create(ok.clone().clearExpireTime().build(), "ida"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.create(ok.clone()
        .setExpireTime(in(Duration.ofDays(400))).build(), "ida"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.create(ok.clone().setJurisdiction("germany").build(),
        "ida"));
  }

  @Test
  void revokeAndListRefuseWhatTheyCannotHaveIssued() {
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.revoke(RevokeEnrollmentTokenRequest.newBuilder()
        .setTokenId("et-XYZ").build(), "ida"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListEnrollmentTokensRequest.newBuilder()
        .setPageToken("2").build()));
  }

  @Test
  void aTokensViewMapsToTheWire() {
    var view = new EnrollmentToken.View("et-0123456789ab",
        new EnrollmentToken.Terms(5, AdminFixture.NOW.plus(Duration.ofDays(1)), Map.of("team", "core"), "DE"),
        2, AdminFixture.NOW, "ida", true, "max");
    var wire = EnrollmentTokenAdmin.toProto(view);
    assertEquals("et-0123456789ab", wire.getTokenId());
    assertEquals(5, wire.getMaxUses());
    assertEquals(2, wire.getUsed());
    assertEquals(Map.of("team", "core"), wire.getLabelsMap());
    assertEquals("max", wire.getRevokedBy());
  }
}
