package io.fleetcontrol.device;

import io.fleetcontrol.policy.DeviceIdentity;

/**
 * What an enrollment of an id already enrolled does: answer at once ({@code answer}), or make a new
 * credential for {@code identity}, recording {@code tokenId}. The same enrollment again gets the same
 * credential (an agent retrying after a timeout must not rotate it under itself); a re-key or an
 * enrollment after an admin's reset gets a new one and the old stops working; anyone else is refused,
 * and the live agent never notices.
 */
record Reenrollment(EnrollOutcome answer, DeviceIdentity identity, String tokenId) {

  boolean makesCredential() {
    return answer == null;
  }

  static Reenrollment of(DeviceState.Enrollment enrolled, DeviceCommand.Enroll cmd) {
    DeviceCredential current = enrolled.credential();
    switch (current.status()) {
      case REVOKED -> {
        return answer(new EnrollOutcome.Revoked());
      }
      case ACTIVE -> {
        if (current.sameEnrollment(cmd.enrollmentIdHash())) {
          // The same enrollment with a credential that derives differently: the deployment changed
          // its key, and the agent that holds the enrollment id gets the credential under the new key.
          return current.matches(cmd.credentialHash())
              ? answer(new EnrollOutcome.Enrolled(true))
              : new Reenrollment(null, enrolled.identity(), cmd.tokenId());
        }
        if (!current.matches(cmd.presentedCredentialHash())) {
          return answer(new EnrollOutcome.AlreadyEnrolled());
        }
        // A re-key changes the credential, not who the device is: labels and jurisdiction a token
        // set stay; only the agent's version is news.
        DeviceIdentity kept = enrolled.identity();
        return new Reenrollment(null, new DeviceIdentity(kept.deviceId(), kept.owner(), kept.jurisdiction(),
            kept.labels(), cmd.identity().agentVersion(), kept.timeZone()), null);
      }
      default -> {
        // Reset: a new enrollment with a token takes the id. Neither the old credential nor the
        // enrollment the admin reset away brings the old laptop back.
        if (cmd.tokenId() == null) {
          return answer(new EnrollOutcome.AlreadyEnrolled());
        }
        return current.sameEnrollment(cmd.enrollmentIdHash())
            ? answer(new EnrollOutcome.Retired())
            : new Reenrollment(null, cmd.identity(), cmd.tokenId());
      }
    }
  }

  private static Reenrollment answer(EnrollOutcome outcome) {
    return new Reenrollment(outcome, null, null);
  }
}
