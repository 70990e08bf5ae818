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

  /** {@code transport} is the connection's, or null when none was opened. */
  static Failure of(Throwable thrown, GlobalOptions options, Transport transport) {
    Throwable t = unwrap(thrown);
    // Covers org.apache.pekko.grpc.GrpcServiceException too: it extends StatusRuntimeException.
    if (t instanceof StatusRuntimeException e) {
      return ofStatus(e.getStatus(), options, transport);
    }
    if (t instanceof StatusException e) {
      return ofStatus(e.getStatus(), options, transport);
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

  private static Failure ofStatus(Status status, GlobalOptions options, Transport transport) {
    String description = describe(status);
    switch (status.getCode()) {
      case NOT_FOUND:
        return new Failure(status.getCode().name(), description, ExitCodes.NOT_FOUND);
      case UNAVAILABLE:
        description = unavailable(status, description, options.server(), transport);
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

  /**
   * grpc-java says "io exception" for every failed handshake; the cause says which, and each has
   * its own fix, so each gets its own words.
   */
  private static String unavailable(Status status, String description, ServerAddress server, Transport transport) {
    String tls = tlsProblem(status.getCause(), server, transport);
    if (tls != null) {
      return "cannot reach " + server + " over TLS: " + tls;
    }
    // A TLS server drops an h2c preface without a word.
    if (transport != null && transport.plaintext() && status.getCause() == null
        && String.valueOf(status.getDescription()).startsWith("Network closed")) {
      return "server " + server + " closed the plaintext connection (it may serve TLS only: drop "
          + transport.source() + ")";
    }
    return "server " + server + ": " + description;
  }

  /** What went wrong in the TLS handshake, in words; null when {@code cause} is not about TLS. */
  private static String tlsProblem(Throwable cause, ServerAddress server, Transport transport) {
    boolean handshake = false;
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      // The class is shaded into grpc-netty-shaded, so its name is what is stable.
      if (t.getClass().getSimpleName().equals("NotSslRecordException")) {
        return "the server does not speak TLS (a dev controller on loopback? then --plaintext)";
      }
      if (t instanceof java.security.cert.CertificateExpiredException) {
        return "the server's certificate has expired";
      }
      if (t instanceof java.security.cert.CertificateNotYetValidException) {
        return "the server's certificate is not valid yet (check the clocks)";
      }
      if (t instanceof java.security.cert.CertPathBuilderException
          || t instanceof java.security.cert.CertPathValidatorException) {
        return transport != null && transport.caFile() != null
            ? "the server's certificate is not signed by the CA in " + transport.caFile() + " (" + transport.source() + ")"
            : "the server's certificate is not trusted (--ca-file?)";
      }
      String message = String.valueOf(t.getMessage());
      if (t instanceof java.security.cert.CertificateException
          && (message.startsWith("No name matching") || message.startsWith("No subject alternative"))) {
        return "the server's certificate is not for " + server.host();
      }
      handshake |= t instanceof javax.net.ssl.SSLException;
    }
    if (!handshake) {
      return null;
    }
    Throwable last = cause;
    while (last.getCause() != null && last.getCause() != last) {
      last = last.getCause();
    }
    return "TLS handshake failed: " + oneLine(String.valueOf(last.getMessage()));
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
    return oneLine(description);
  }

  /**
   * One line, without the netty pipeline grpc-java appends to "io exception": it names handlers,
   * which tells a user nothing.
   */
  private static String oneLine(String text) {
    return text.replaceAll("\\R\\s*Channel Pipeline: \\[[^\\]]*\\]", "")
        .strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
