package io.fleetcontrol.agent.gate;

import io.fleetcontrol.agent.localapi.LocalApi;
import io.fleetcontrol.agent.localapi.LocalApiServices;
import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import io.fleetcontrol.proto.agent.v1.GateError;
import io.grpc.Status;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.grpc.GrpcServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate's fast path for capture tools on this laptop: a Unix domain socket in the agent's state
 * directory, length-delimited {@link GateCall}s in, {@link GateAnswer}s out, in order. The socket
 * file is readable by this user only, which is the access control (no token). A thread per
 * connection: a laptop has a capture tool or two, each keeping one connection open, and a blocking
 * read-decide-write loop is the shortest path from question to answer. So that a broken or hostile
 * local client cannot take the agent down with it, a call is read only after its length is checked,
 * connections are capped, and a call stalled half-sent (or an answer never read) closes its
 * connection.
 */
public final class GateSocket implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GateSocket.class);

  /**
   * @param maxMessageBytes the largest call read; a larger one is answered RESOURCE_EXHAUSTED unread
   * @param maxConnections connections served at once (a thread each); more are refused
   * @param stalledAfter how long one call may take from its first byte to its answer written
   */
  record Limits(int maxMessageBytes, int maxConnections, Duration stalledAfter) {

    /** A laptop runs a capture tool or two; 16 leaves room for restarts and the CLI. */
    static Limits withMaxMessageBytes(int maxMessageBytes) {
      return new Limits(maxMessageBytes, 16, Duration.ofSeconds(10));
    }
  }

  private final CaptureGate gate;
  private final Path path;
  private final ServerSocketChannel server;
  private final Limits limits;
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger served = new AtomicInteger();
  private final ScheduledExecutorService watchdog;
  private volatile boolean closed;

  private GateSocket(CaptureGate gate, Path path, ServerSocketChannel server, Limits limits) {
    this.gate = gate;
    this.path = path;
    this.server = server;
    this.limits = limits;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "gate-socket-watchdog");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Listens on {@code path}, replacing a stale socket file an earlier run left behind; calls over
   * {@code maxMessageBytes} (the setting {@value LocalApi#MAX_MESSAGE_BYTES_SETTING}) are refused.
   */
  public static GateSocket start(CaptureGate gate, Path path, int maxMessageBytes) throws IOException {
    return start(gate, path, Limits.withMaxMessageBytes(maxMessageBytes));
  }

  static GateSocket start(CaptureGate gate, Path path, Limits limits) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }
    GateSocket socket = new GateSocket(gate, path, server, limits);
    long checkMillis = Math.max(1, limits.stalledAfter().toMillis() / 4);
    socket.watchdog.scheduleWithFixedDelay(socket::closeStalled, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
    Thread acceptor = new Thread(socket::acceptLoop, "gate-socket-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return socket;
  }

  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel channel = server.accept();
        if (open.size() >= limits.maxConnections()) {
          refuse(channel);
          continue;
        }
        Connection connection = new Connection(channel);
        open.add(connection);
        Thread serving = new Thread(() -> serve(connection), "gate-socket-" + served.incrementAndGet());
        serving.setDaemon(true);
        serving.start();
      } catch (IOException e) {
        if (!closed) {
          log.warn("Gate socket {} stopped accepting: {}", path, e.toString());
        }
        return;
      }
    }
  }

  /** One answer saying why, in place of the first call's; then the connection is closed. */
  private void refuse(SocketChannel channel) {
    try (channel) {
      OutputStream out = Channels.newOutputStream(channel);
      error(Status.Code.RESOURCE_EXHAUSTED, "the gate socket serves at most " + limits.maxConnections()
          + " connections at once; close one and connect again").writeDelimitedTo(out);
      out.flush();
    } catch (IOException e) {
      log.debug("Gate socket refusal not delivered: {}", e.toString());
    }
  }

  /** A connection and when its call in progress began (0: waiting for the next call). */
  private static final class Connection {
    final SocketChannel channel;
    volatile long busySinceNanos;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }
  }

  private void serve(Connection connection) {
    try (SocketChannel channel = connection.channel;
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel))) {
      int firstByte;
      // Waiting for the next call is not limited: a tool keeps its connection for its lifetime.
      while ((firstByte = in.read()) != -1) {
        connection.busySinceNanos = System.nanoTime();
        int size = CodedInputStream.readRawVarint32(firstByte, in);
        if (size < 0 || size > limits.maxMessageBytes()) {
          error(Status.Code.RESOURCE_EXHAUSTED, "call of " + Integer.toUnsignedString(size)
              + " bytes exceeds the " + limits.maxMessageBytes() + "-byte limit (" + LocalApi.MAX_MESSAGE_BYTES_SETTING
              + "); the connection is closed").writeDelimitedTo(out);
          out.flush();
          return;
        }
        byte[] call = in.readNBytes(size);
        if (call.length < size) {
          return;
        }
        answer(call).writeDelimitedTo(out);
        out.flush();
        connection.busySinceNanos = 0;
      }
    } catch (IOException e) {
      // The tool hung up, sent a broken length, or stalled and was closed; its next connection starts clean.
      log.debug("Gate socket connection ended: {}", e.toString());
    } finally {
      open.remove(connection);
    }
  }

  private GateAnswer answer(byte[] call) {
    try {
      return answer(GateCall.parseFrom(call));
    } catch (InvalidProtocolBufferException e) {
      return error(Status.Code.INVALID_ARGUMENT, "call: not a GateCall (" + e.getMessage() + ")");
    }
  }

  /** A call half-sent, or an answer the tool does not read, would hold its thread for ever. */
  private void closeStalled() {
    long now = System.nanoTime();
    for (Connection connection : open) {
      long since = connection.busySinceNanos;
      if (since != 0 && now - since > limits.stalledAfter().toNanos()) {
        log.info("Gate socket: closing a connection whose call stalled for over {} s",
            limits.stalledAfter().toSeconds());
        try {
          connection.channel.close();
        } catch (IOException e) {
          log.debug("Gate socket: closing a stalled connection failed: {}", e.toString());
        }
      }
    }
  }

  GateAnswer answer(GateCall call) {
    try {
      return switch (call.getCallCase()) {
        case CHECK_CAPTURE -> GateAnswer.newBuilder()
            .setCheckCapture(LocalApiServices.checkCapture(gate, call.getCheckCapture())).build();
        case REPORT_UPLOAD -> GateAnswer.newBuilder()
            .setReportUpload(LocalApiServices.reportUpload(gate, call.getReportUpload())).build();
        case CALL_NOT_SET -> error(Status.Code.INVALID_ARGUMENT, "call: set check_capture or report_upload");
      };
    } catch (GrpcServiceException refused) {
      Status status = refused.getStatus();
      return error(status.getCode(), status.getDescription());
    }
  }

  private static GateAnswer error(Status.Code code, String message) {
    return GateAnswer.newBuilder()
        .setError(GateError.newBuilder().setCode(code.name()).setMessage(message == null ? "" : message))
        .build();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    watchdog.shutdownNow();
    server.close();
    for (Connection connection : open) {
      connection.channel.close();
    }
    Files.deleteIfExists(path);
  }
}
