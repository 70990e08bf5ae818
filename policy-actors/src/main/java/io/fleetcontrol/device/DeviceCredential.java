package io.fleetcontrol.device;

import io.fleetcontrol.serialization.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * What the entity knows of its device's credential: hashes only (of the credential's nonce, and of
 * the agent's enrollment id, so a retried enrollment gets the same answer), never anything a
 * credential could be rebuilt from, and whether an admin reset or revoked it.
 */
public record DeviceCredential(String credentialHash, String enrollmentIdHash, Status status) implements CborSerializable {

  public enum Status {
    /** The agent holding it speaks for the device. */
    ACTIVE,
    /** An admin reset the device: the old credential is refused and the next enrollment is taken. */
    RESET,
    /** An admin revoked the device: refused, and no enrollment is taken until an admin resets it. */
    REVOKED
  }

  boolean isActive() {
    return status == Status.ACTIVE;
  }

  /** Whether a presented credential (by its hash) is this active one; constant time. */
  boolean matches(String presentedHash) {
    return isActive() && credentialHash != null && presentedHash != null && MessageDigest.isEqual(
        credentialHash.getBytes(StandardCharsets.US_ASCII), presentedHash.getBytes(StandardCharsets.US_ASCII));
  }

  boolean sameEnrollment(String otherEnrollmentIdHash) {
    return enrollmentIdHash != null && otherEnrollmentIdHash != null && MessageDigest.isEqual(
        enrollmentIdHash.getBytes(StandardCharsets.US_ASCII), otherEnrollmentIdHash.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * A credential just issued. Events written before agents had enrollment ids carry none: such a
   * device is as if reset, and its agent's next enrollment with a token takes the id again.
   */
  static DeviceCredential issued(String credentialHash, String enrollmentIdHash) {
    return new DeviceCredential(credentialHash, enrollmentIdHash,
        credentialHash == null || enrollmentIdHash == null ? Status.RESET : Status.ACTIVE);
  }

  /** How the service hashes a secret (a credential's nonce, an agent's enrollment id) before it reaches an entity or the journal. */
  public static String hashSecret(String secret) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  DeviceCredential with(Status next) {
    return new DeviceCredential(credentialHash, enrollmentIdHash, next);
  }
}
