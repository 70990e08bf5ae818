package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.refusal.Refusal;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.pattern.StatusReply;

/**
 * Maps what went wrong behind a call to the gRPC status the caller sees. An entity's refusal is a
 * {@link Refusal}; its kind alone chooses the status ({@link #status}), its words become the
 * description. No status is chosen from a message's text.
 */
public final class GrpcErrors {

  private GrpcErrors() {}

  public static Throwable cause(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  public static String message(Throwable failure) {
    Throwable t = cause(failure);
    if (t instanceof GrpcServiceException g) {
      return g.getStatus().getDescription();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** The one mapping of an entity's refusal to a status: unknown, taken, not now, not you. */
  public static Status status(Refusal refusal) {
    Status status;
    if (refusal instanceof Refusal.NotFound) {
      status = Status.NOT_FOUND;
    } else if (refusal instanceof Refusal.AlreadyExists) {
      status = Status.ALREADY_EXISTS;
    } else if (refusal instanceof Refusal.Unauthenticated) {
      status = Status.UNAUTHENTICATED;
    } else {
      status = Status.FAILED_PRECONDITION; // Refusal.Conflict
    }
    return status.withDescription(refusal.message());
  }

  /** An entity refused (its {@link Refusal}'s status) or did not answer in time (UNAVAILABLE). */
  public static GrpcServiceException fromAsk(String what, Throwable failure) {
    Throwable t = cause(failure);
    if (t instanceof GrpcServiceException g) {
      return g;
    }
    var refusal = Refusal.of(t);
    if (refusal.isPresent()) {
      return new GrpcServiceException(status(refusal.get()));
    }
    if (t instanceof StatusReply.ErrorMessage) {
      // A refusal without a kind: none is sent today; the caller asked for something not possible now.
      return new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription(t.getMessage()));
    }
    if (t instanceof TimeoutException) {
      return new GrpcServiceException(
          Status.UNAVAILABLE.withDescription(what + ": the controller did not answer in time; retry"));
    }
    return new GrpcServiceException(Status.INTERNAL.withDescription(what + ": " + message(t)));
  }

  /**
   * A stream's credential was refused by its entity: whatever the refusal (a credential it does not
   * hold, a device it does not know), the caller is not who it says.
   */
  public static GrpcServiceException fromAttach(String deviceId, Throwable failure) {
    Throwable t = cause(failure);
    if (Refusal.of(t).isPresent() || t instanceof StatusReply.ErrorMessage) {
      return new GrpcServiceException(Status.UNAUTHENTICATED.withDescription(t.getMessage()));
    }
    return fromAsk("connect " + deviceId, t);
  }
}
