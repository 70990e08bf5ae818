package io.fleetcontrol.controller.dashboard;

import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.controller.security.AdminTokens.Caller;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Dashboard sessions as signed cookies, so any node checks one without shared state: the value is
 * "{@code <token sha256>.<expiry epoch s>.<nonce>.<MAC>}" under a key derived from the deployment's
 * device-credential key. The caller is looked up by the token's hash on every request, so a token
 * taken out of the configuration ends its sessions at the next restart. The CSRF token is a MAC of
 * the cookie, which a page of another origin can neither read nor compute.
 */
public final class DashboardSessions {

  public static final String COOKIE = "fleet_session";
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  /** A signed-in admin, and the value that page must echo on every call. */
  public record Session(Caller caller, String csrfToken, Instant expires) {}

  private final byte[] key;
  private final AdminTokens admins;
  private final Duration lifetime;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public DashboardSessions(String deploymentKey, AdminTokens admins, Duration lifetime, Clock clock) {
    // A key of its own (domain-separated), so a session MAC can never pass as a device credential's.
    this.key = hmac(deploymentKey.getBytes(StandardCharsets.UTF_8), "fleet-dashboard-session-key");
    this.admins = admins;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /** A cookie value for the admin whose token this is; throws UNAUTHENTICATED for an unknown token. */
  public String signIn(String adminToken) {
    admins.authenticate(adminToken);
    String tokenHash = io.fleetcontrol.device.DeviceCredential.hashSecret(adminToken);
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    String body = tokenHash + "." + clock.instant().plus(lifetime).getEpochSecond() + "." + BASE64URL.encodeToString(nonce);
    return body + "." + mac("session|" + body);
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** The session a cookie value stands for, if its MAC holds, it has not expired and its admin is still known. */
  public Optional<Session> check(String cookie) {
    if (cookie == null) {
      return Optional.empty();
    }
    int lastDot = cookie.lastIndexOf('.');
    if (lastDot < 0) {
      return Optional.empty();
    }
    String body = cookie.substring(0, lastDot);
    if (!MessageDigest.isEqual(mac("session|" + body).getBytes(StandardCharsets.US_ASCII),
        cookie.substring(lastDot + 1).getBytes(StandardCharsets.US_ASCII))) {
      return Optional.empty();
    }
    String[] parts = body.split("\\.");
    if (parts.length != 3) {
      return Optional.empty();
    }
    Instant expires;
    try {
      expires = Instant.ofEpochSecond(Long.parseLong(parts[1]));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(expires)) {
      return Optional.empty();
    }
    return admins.byTokenHash(parts[0]).map(caller -> new Session(caller, mac("csrf|" + cookie), expires));
  }

  /** Whether {@code sent} is the CSRF token of {@code session}, compared in constant time. */
  public static boolean csrfMatches(Session session, String sent) {
    return sent != null && MessageDigest.isEqual(session.csrfToken().getBytes(StandardCharsets.US_ASCII),
        sent.getBytes(StandardCharsets.US_ASCII));
  }

  private String mac(String data) {
    return BASE64URL.encodeToString(hmac(key, data));
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
