package io.fleetcontrol.controller.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets the controller hands out and checks by itself, on any node, without waking an entity or
 * reading Cassandra: a device credential "{@code <device id>.<nonce>.<MAC>}" and an enrollment
 * token "{@code <token id>.<MAC>}", each MAC an HMAC-SHA256 under the deployment's key. A made-up
 * credential or token is refused here; the entity then checks that the credential (by its hash) is
 * still the device's current one (a reset, revoke or re-key changes that).
 */
public final class SignedSecrets {

  private static final char SEPARATOR = '.';
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final SecretKeySpec key;

  public SignedSecrets(String key) {
    this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  /**
   * The nonce of the credential for one enrollment: derived from the agent's enrollment id (random,
   * known to that agent alone) under the key, so the same enrollment gets the same credential back
   * while the entity keeps only a hash. Base64url (no '.'), so the credential splits from the right.
   */
  public String nonceFor(String deviceId, String enrollmentId) {
    return mac("nonce|" + deviceId + "|" + enrollmentId).substring(0, 24);
  }

  public String credential(String deviceId, String nonce) {
    return deviceId + SEPARATOR + nonce + SEPARATOR + mac("device|" + deviceId + "|" + nonce);
  }

  /** The nonce of {@code credential} if it is one this deployment issued for {@code deviceId}. */
  public Optional<String> nonceOf(String deviceId, String credential) {
    int macAt = credential.lastIndexOf(SEPARATOR);
    int nonceAt = macAt <= 0 ? -1 : credential.lastIndexOf(SEPARATOR, macAt - 1);
    if (nonceAt <= 0 || !credential.substring(0, nonceAt).equals(deviceId)) {
      return Optional.empty();
    }
    String nonce = credential.substring(nonceAt + 1, macAt);
    String expected = mac("device|" + deviceId + "|" + nonce);
    return equal(expected, credential.substring(macAt + 1)) ? Optional.of(nonce) : Optional.empty();
  }

  /** The device id a credential names (before its nonce and MAC), or empty if it has no such shape. */
  public static Optional<String> deviceIdOf(String credential) {
    int macAt = credential.lastIndexOf(SEPARATOR);
    int nonceAt = macAt <= 0 ? -1 : credential.lastIndexOf(SEPARATOR, macAt - 1);
    return nonceAt <= 0 ? Optional.empty() : Optional.of(credential.substring(0, nonceAt));
  }

  /** A new enrollment token for {@code tokenId}; only its hash is stored. */
  public String enrollmentToken(String tokenId) {
    return tokenId + SEPARATOR + mac("enrollment-token|" + tokenId);
  }

  /** The token id of an enrollment token this deployment issued (revoked, used up or not). */
  public Optional<String> tokenIdOf(String token) {
    int macAt = token.lastIndexOf(SEPARATOR);
    if (macAt <= 0) {
      return Optional.empty();
    }
    String tokenId = token.substring(0, macAt);
    return equal(mac("enrollment-token|" + tokenId), token.substring(macAt + 1)) ? Optional.of(tokenId) : Optional.empty();
  }

  private String mac(String message) {
    try {
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(key);
      return BASE64URL.encodeToString(hmac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
