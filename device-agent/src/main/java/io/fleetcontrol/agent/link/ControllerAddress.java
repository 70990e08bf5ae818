package io.fleetcontrol.agent.link;

/**
 * Where the controller's AgentService listens, and how the agent trusts it: over TLS, verified
 * against {@code caFile} (PEM) or, when that is null, the JVM's trust store. Plaintext
 * ({@code useTls == false}) reaches only a dev controller on loopback.
 */
public record ControllerAddress(String host, int port, boolean useTls, java.nio.file.Path caFile) {

  public ControllerAddress(String host, int port, boolean useTls) {
    this(host, port, useTls, null);
  }

  public ControllerAddress {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("controller host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("controller port out of range: " + port);
    }
  }

  /** Parses "host:port"; TLS as given. */
  public static ControllerAddress parse(String hostAndPort, boolean useTls) {
    return parse(hostAndPort, useTls, null);
  }

  public static ControllerAddress parse(String hostAndPort, boolean useTls, java.nio.file.Path caFile) {
    int colon = hostAndPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostAndPort.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'");
    }
    try {
      int port = Integer.parseInt(hostAndPort.substring(colon + 1));
      return new ControllerAddress(hostAndPort.substring(0, colon), port, useTls, caFile);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'", e);
    }
  }

  /** "host:port,host:port": the nodes of one cluster. */
  public static java.util.List<ControllerAddress> parseList(String addresses, boolean useTls) {
    return parseList(addresses, useTls, null);
  }

  public static java.util.List<ControllerAddress> parseList(String addresses, boolean useTls, java.nio.file.Path caFile) {
    java.util.List<ControllerAddress> parsed = new java.util.ArrayList<>();
    for (String one : addresses.split(",")) {
      if (!one.isBlank()) {
        parsed.add(parse(one.strip(), useTls, caFile));
      }
    }
    if (parsed.isEmpty()) {
      throw new IllegalArgumentException("expected host:port[,host:port...], got '" + addresses + "'");
    }
    return java.util.List.copyOf(parsed);
  }

  @Override
  public String toString() {
    return host + ":" + port + (useTls ? " (TLS)" : " (plaintext)");
  }
}
