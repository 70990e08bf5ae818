package io.fleetcontrol.refusal;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fleetcontrol.serialization.CborSerializable;

/**
 * A {@link Refusal} as the error of a {@code StatusReply}: {@code askWithStatus} fails its future with
 * this exception, on this node or another (it travels as its refusal; no stack trace is kept).
 */
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE, creatorVisibility = Visibility.NONE)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class RefusalException extends RuntimeException implements CborSerializable {

  private final Refusal refusal;

  @JsonCreator
  public RefusalException(@JsonProperty("refusal") Refusal refusal) {
    super(refusal.message(), null, false, false);
    this.refusal = refusal;
  }

  @JsonProperty("refusal")
  public Refusal refusal() {
    return refusal;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RefusalException r && r.refusal.equals(refusal);
  }

  @Override
  public int hashCode() {
    return refusal.hashCode();
  }
}
