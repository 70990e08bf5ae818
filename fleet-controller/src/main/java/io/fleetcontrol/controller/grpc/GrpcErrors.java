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

  /**
   * Cassandra did not answer: no node up, none in time, or none able to reach the consistency asked.
   * A read of the read side or the audit trail fails so while Cassandra is away; the caller may retry,
   * as with an entity that did not answer in time.
   */
  public static boolean databaseUnavailable(Throwable failure) {
    // Anywhere in the chain: futures wrap it in CompletionException or ExecutionException.
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof com.datastax.oss.driver.api.core.AllNodesFailedException
          || t instanceof com.datastax.oss.driver.api.core.DriverTimeoutException
          || t instanceof com.datastax.oss.driver.api.core.servererrors.UnavailableException
          || t instanceof com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException
          || t instanceof com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException
          || t instanceof com.datastax.oss.driver.api.core.servererrors.OverloadedException
          || t instanceof com.datastax.oss.driver.api.core.servererrors.BootstrappingException
          || t instanceof com.datastax.oss.driver.api.core.connection.ClosedConnectionException
          || t instanceof com.datastax.oss.driver.api.core.connection.ConnectionInitException
          || t instanceof com.datastax.oss.driver.api.core.connection.BusyConnectionException
          || t instanceof com.datastax.oss.driver.api.core.connection.HeartbeatException) {
        return true;
      }
    }
    return false;
  }

  /** UNAVAILABLE for a call whose data Cassandra could not give or take just now. */
  public static Status databaseUnavailable(String what) {
    return Status.UNAVAILABLE.withDescription(what + ": the database did not answer; retry");
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
    if (databaseUnavailable(t)) {
      return new GrpcServiceException(databaseUnavailable(what));
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
