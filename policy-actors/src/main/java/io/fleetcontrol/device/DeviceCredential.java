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

  DeviceCredential with(Status next) {
    return new DeviceCredential(credentialHash, enrollmentIdHash, next);
  }
}
