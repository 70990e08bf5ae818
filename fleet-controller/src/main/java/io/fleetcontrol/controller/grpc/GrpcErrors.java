package io.fleetcontrol.controller.grpc;

import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.pattern.StatusReply;

/** Maps what went wrong behind a call to the gRPC status the caller sees. */
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

  /** An entity refused (StatusReply error) or did not answer in time. */
  public static GrpcServiceException fromAsk(String what, Throwable failure) {
    Throwable t = cause(failure);
    if (t instanceof GrpcServiceException g) {
      return g;
    }
    if (t instanceof StatusReply.ErrorMessage) {
      return new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription(t.getMessage()));
    }
    if (t instanceof TimeoutException) {
      return new GrpcServiceException(
          Status.UNAVAILABLE.withDescription(what + ": the controller did not answer in time; retry"));
    }
    return new GrpcServiceException(Status.INTERNAL.withDescription(what + ": " + message(t)));
  }

  /** A stream's credential was refused by its entity: the caller is not who it says. */
  public static GrpcServiceException fromAttach(String deviceId, Throwable failure) {
    Throwable t = cause(failure);
    if (t instanceof StatusReply.ErrorMessage) {
      return new GrpcServiceException(Status.UNAUTHENTICATED.withDescription(t.getMessage()));
    }
    return fromAsk("connect " + deviceId, t);
  }

  /** The policy catalog's refusals: unknown name or version, or a name taken. */
  public static GrpcServiceException fromCatalog(String what, Throwable failure) {
    Throwable t = cause(failure);
    if (t instanceof StatusReply.ErrorMessage) {
      String message = t.getMessage();
      if (message.endsWith("does not exist") || message.contains("has no version")) {
        return new GrpcServiceException(Status.NOT_FOUND.withDescription(message));
      }
      if (message.contains("already exists")) {
        return new GrpcServiceException(Status.ALREADY_EXISTS.withDescription(message));
      }
    }
    return fromAsk(what, t);
  }

  /** A lookup of an entity that does not exist. */
  public static GrpcServiceException notFoundOr(String what, Throwable failure) {
    Throwable t = cause(failure);
    if (t instanceof StatusReply.ErrorMessage
        && (t.getMessage().endsWith("is not enrolled") || t.getMessage().contains("has no exemption"))) {
      return new GrpcServiceException(Status.NOT_FOUND.withDescription(t.getMessage()));
    }
    return fromAsk(what, t);
  }
}
