package io.fleetcontrol.grpcedge;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.Trailers;
import org.apache.pekko.grpc.javadsl.GrpcExceptionHandler;
import org.apache.pekko.japi.function.Function;
import scala.NotImplementedError;

/**
 * How a failure becomes a gRPC status, for every service we serve. pekko-grpc's default answers
 * INTERNAL to a request body that is not the method's message; that is the caller's fault, so it
 * is INVALID_ARGUMENT here, with what protobuf found wrong. Everything else goes to the default
 * (a GrpcServiceException keeps its status), its message cut to {@link #MAX_DESCRIPTION}.
 */
public final class GrpcFailures {

  private GrpcFailures() {}

  public static org.apache.pekko.japi.Function<ActorSystem, org.apache.pekko.japi.Function<Throwable, Trailers>> mapper() {
    var fallback = GrpcExceptionHandler.defaultMapper();
    return system -> {
      var standard = fallback.apply(system);
      return failure -> {
        Throwable cause = unwrap(failure);
        if (cause instanceof InvalidProtocolBufferException undecodable) {
          return new Trailers(undecodable(undecodable));
        }
        Trailers trailers = standard.apply(failure);
        return new Trailers(shortened(trailers.getStatus()), trailers.metadata());
      };
    };
  }

  /**
   * The same mapping for grpc-java's server (the controller's): a GrpcServiceException or a
   * grpc-java status exception keeps its status, an undecodable request is INVALID_ARGUMENT, an
   * unsupported operation UNIMPLEMENTED, anything else INTERNAL without a description (it is our
   * bug; the caller learns nothing of our internals).
   */
  public static Status statusOf(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof InvalidProtocolBufferException undecodable) {
      return undecodable(undecodable);
    }
    if (cause instanceof GrpcServiceException known) {
      return shortened(known.getStatus());
    }
    if (cause instanceof StatusRuntimeException known) {
      return shortened(known.getStatus());
    }
    if (cause instanceof StatusException known) {
      return shortened(known.getStatus());
    }
    if (cause instanceof UnsupportedOperationException || cause instanceof NotImplementedError) {
      return Status.UNIMPLEMENTED;
    }
    return Status.INTERNAL.withCause(cause);
  }

  private static Status undecodable(InvalidProtocolBufferException problem) {
    return Status.INVALID_ARGUMENT.withDescription(
        "the request is not a valid message for this method: " + problem.getMessage());
  }

  /** Longest status message sent: grpc-java refuses trailers over 8 KiB, and fails the whole connection. */
  static final int MAX_DESCRIPTION = 1000;

  /** A refusal that quotes a huge value the caller sent is cut short rather than echo it back. */
  public static Status shortened(Status status) {
    String description = status.getDescription();
    if (description == null || description.length() <= MAX_DESCRIPTION) {
      return status;
    }
    return status.withDescription(description.substring(0, MAX_DESCRIPTION) + "... (cut at " + MAX_DESCRIPTION
        + " characters)");
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The HTTP status that says what {@code code} says, for the JSON edges (dashboard, employee page). */
  public static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }
}
