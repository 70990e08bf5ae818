package io.fleetcontrol.refusal;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.fleetcontrol.serialization.CborSerializable;
import org.apache.pekko.pattern.StatusReply;

/**
 * Why an entity said no, as a type: the edge chooses a status from the kind, never from the words.
 * {@link #message()} is for people (it reaches the caller as the status description).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Refusal.NotFound.class, name = "not-found"),
    @JsonSubTypes.Type(value = Refusal.AlreadyExists.class, name = "already-exists"),
    @JsonSubTypes.Type(value = Refusal.Conflict.class, name = "conflict"),
    @JsonSubTypes.Type(value = Refusal.Unauthenticated.class, name = "unauthenticated")})
public sealed interface Refusal extends CborSerializable {

  String message();

  /** What was asked for does not exist: an unknown device, policy, version, rollout, token or exemption. */
  record NotFound(String message) implements Refusal {}

  /** What was to be created exists already. */
  record AlreadyExists(String message) implements Refusal {}

  /** The thing exists but is not in a state that allows the order (already paused, not running, ...). */
  record Conflict(String message) implements Refusal {}

  /** The caller is not who it says (a credential the entity does not hold). */
  record Unauthenticated(String message) implements Refusal {}

  /** The reply an entity sends: a failed {@link StatusReply} carrying this refusal. */
  default <T> StatusReply<T> reply() {
    return StatusReply.error(new RefusalException(this));
  }

  /** The refusal behind a failed ask, if it was one (through CompletionException wrappers). */
  static java.util.Optional<Refusal> of(Throwable failure) {
    Throwable t = failure;
    while (t != null) {
      if (t instanceof RefusalException r) {
        return java.util.Optional.of(r.refusal());
      }
      if (t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    return java.util.Optional.empty();
  }
}
