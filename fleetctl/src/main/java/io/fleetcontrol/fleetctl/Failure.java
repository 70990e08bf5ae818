package io.fleetcontrol.fleetctl;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * What a failed command tells the user: the gRPC status code, a description, and the exit code.
 * The one place exceptions are mapped, so every command fails the same way.
 */
record Failure(String code, String description, int exitCode) {

  static Failure of(Throwable thrown, GlobalOptions options) {
    Throwable t = unwrap(thrown);
    // Covers org.apache.pekko.grpc.GrpcServiceException too: it extends StatusRuntimeException.
    if (t instanceof StatusRuntimeException e) {
      return ofStatus(e.getStatus(), options);
    }
    if (t instanceof StatusException e) {
      return ofStatus(e.getStatus(), options);
    }
    if (t instanceof CliConfig.Problem e) {
      return new Failure("USAGE", e.getMessage(), ExitCodes.USAGE);
    }
    if (t instanceof TimeoutException) {
      return new Failure(Status.Code.DEADLINE_EXCEEDED.name(), noAnswer(options), ExitCodes.ERROR);
    }
    // A bug or an unexpected local failure: still one line, with what Java knows.
    return new Failure(Status.Code.UNKNOWN.name(), t.toString(), ExitCodes.ERROR);
  }

  /** The line for stderr, without the "fleetctl: <command>: " prefix. */
  String message() {
    return code + ": " + description;
  }

  private static Failure ofStatus(Status status, GlobalOptions options) {
    String description = describe(status);
    switch (status.getCode()) {
      case NOT_FOUND:
        return new Failure(status.getCode().name(), description, ExitCodes.NOT_FOUND);
      case UNAVAILABLE:
        description = "server " + options.server() + ": " + description;
        break;
      case DEADLINE_EXCEEDED:
        // grpc-java's own text ("CallOptions deadline exceeded after 0.25s. [buffered_nanos=...]")
        // means nothing to a user; a server's own reason, if it gave one, is kept.
        if (description.toLowerCase(Locale.ROOT).contains("deadline")) {
          description = noAnswer(options);
        }
        break;
      case UNAUTHENTICATED:
        if (options.tokenOrNull() == null) {
          description += " (no token given: use --token or FLEET_TOKEN)";
        }
        break;
      default:
        break;
    }
    return new Failure(status.getCode().name(), description, ExitCodes.ERROR);
  }

  private static String noAnswer(GlobalOptions options) {
    long millis = options.timeout.toMillis();
    String timeout = millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    return "no answer from server " + options.server() + " within " + timeout + " (--timeout)";
  }

  /** The server's description, else the local cause (e.g. "Connection refused"), on one line. */
  private static String describe(Status status) {
    String description = status.getDescription();
    Throwable cause = status.getCause();
    if (cause != null && cause.getMessage() != null) {
      description = description == null ? cause.getMessage() : description + " (" + cause.getMessage() + ")";
    }
    if (description == null || description.isBlank()) {
      description = "no description";
    }
    return description.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
