package io.fleetcontrol.device;

import io.fleetcontrol.serialization.CborSerializable;

/** How a device entity answered an enrollment: typed, so the edge maps it without reading words. */
public sealed interface EnrollOutcome extends CborSerializable {

  /** Enrolled, or ({@code repeated}) the same enrollment again: the edge hands out the same credential. */
  record Enrolled(boolean repeated) implements EnrollOutcome {}

  /** Another agent holds this id; only its credential (a re-key) or an admin's reset changes that. */
  record AlreadyEnrolled() implements EnrollOutcome {}

  /** An admin reset this id away from this very enrollment: a new enrollment (a reinstalled agent) takes it. */
  record Retired() implements EnrollOutcome {}

  /** An admin revoked this id; it enrolls again only after an admin resets it. */
  record Revoked() implements EnrollOutcome {}
}
