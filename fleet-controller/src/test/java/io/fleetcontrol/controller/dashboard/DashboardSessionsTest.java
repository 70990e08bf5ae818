package io.fleetcontrol.controller.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.controller.security.AdminTokens.Caller;
import io.fleetcontrol.controller.security.AdminTokens.Role;
import io.fleetcontrol.device.DeviceCredential;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.pekko.grpc.GrpcServiceException;
import org.junit.jupiter.api.Test;

class DashboardSessionsTest {

  private static final String KEY = "a-deployment-key-of-at-least-32-characters";
  private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
  private static final AdminTokens ADMINS = new AdminTokens(Map.of(
      DeviceCredential.hashSecret("approver-token"), new Caller("hr-lead", Role.APPROVER)));

  private static DashboardSessions at(Instant now, AdminTokens admins, String key) {
    return new DashboardSessions(key, admins, Duration.ofHours(8), Clock.fixed(now, ZoneOffset.UTC));
  }

  @Test
  void aSignedInCookieNamesItsAdminOnAnyNodeWithTheSameKey() {
    String cookie = at(NOW, ADMINS, KEY).signIn("approver-token");
    var session = at(NOW.plusSeconds(60), ADMINS, KEY).check(cookie).orElseThrow();
    assertEquals("hr-lead", session.caller().name());
    assertEquals(Role.APPROVER, session.caller().role());
    assertEquals(NOW.plus(Duration.ofHours(8)), session.expires());
    assertFalse(cookie.contains("approver-token"), "the token itself is not in the cookie");
  }

  @Test
  void anUnknownTokenIsRefusedAtSignIn() {
    var refused = assertThrows(GrpcServiceException.class, () -> at(NOW, ADMINS, KEY).signIn("made-up"));
    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
  }

  @Test
  void aTamperedExpiredForeignOrOrphanedCookieIsNoSession() {
    DashboardSessions sessions = at(NOW, ADMINS, KEY);
    String cookie = sessions.signIn("approver-token");
    String[] parts = cookie.split("\\.");
    // A later expiry written in by hand breaks the MAC.
    String extended = parts[0] + "." + (Long.parseLong(parts[1]) + 86_400) + "." + parts[2] + "." + parts[3];
    assertTrue(sessions.check(extended).isEmpty(), "edited expiry");
    assertTrue(sessions.check(cookie + "x").isEmpty(), "edited MAC");
    assertTrue(sessions.check("").isEmpty() && sessions.check(null).isEmpty() && sessions.check("a.b").isEmpty());
    assertTrue(at(NOW.plus(Duration.ofHours(8)), ADMINS, KEY).check(cookie).isEmpty(), "expired");
    assertTrue(at(NOW, ADMINS, KEY.replace('a', 'b')).check(cookie).isEmpty(), "another deployment's key");
    assertTrue(at(NOW, new AdminTokens(Map.of()), KEY).check(cookie).isEmpty(), "the token was taken out of the configuration");
  }

  @Test
  void theCsrfTokenBelongsToOneSession() {
    DashboardSessions sessions = at(NOW, ADMINS, KEY);
    var first = sessions.check(sessions.signIn("approver-token")).orElseThrow();
    var second = sessions.check(sessions.signIn("approver-token")).orElseThrow();
    assertNotEquals(first.csrfToken(), second.csrfToken());
    assertTrue(DashboardSessions.csrfMatches(first, first.csrfToken()));
    assertFalse(DashboardSessions.csrfMatches(first, second.csrfToken()));
    assertFalse(DashboardSessions.csrfMatches(first, null));
    assertFalse(DashboardSessions.csrfMatches(first, ""));
  }
}
