package io.fleetcontrol.device;

import io.fleetcontrol.serialization.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * What the entity knows of its device's credential: the nonce the credential was made from (it is
 * worth nothing without the controller's MAC key), the hash of the agent's enrollment id (so a
 * retried enrollment gets the same answer) and whether an admin reset or revoked it.
 */
public record DeviceCredential(String nonce, String enrollmentIdHash, Status status) implements CborSerializable {

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

  /** Constant time, so the answer's timing tells nothing of the nonce. */
  boolean madeFrom(String presentedNonce) {
    return isActive() && nonce != null && presentedNonce != null && MessageDigest.isEqual(
        nonce.getBytes(StandardCharsets.US_ASCII), presentedNonce.getBytes(StandardCharsets.US_ASCII));
  }

  boolean sameEnrollment(String otherEnrollmentIdHash) {
    return enrollmentIdHash != null && otherEnrollmentIdHash != null && MessageDigest.isEqual(
        enrollmentIdHash.getBytes(StandardCharsets.US_ASCII), otherEnrollmentIdHash.getBytes(StandardCharsets.US_ASCII));
  }

  DeviceCredential with(Status next) {
    return new DeviceCredential(nonce, enrollmentIdHash, next);
  }
}
