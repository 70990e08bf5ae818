package io.fleetcontrol.agent;

import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import io.fleetcontrol.proto.agent.v1.GateError;
import io.grpc.Status;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.grpc.GrpcServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate's fast path for capture tools on this laptop: a Unix domain socket in the agent's state
 * directory, length-delimited {@link GateCall}s in, {@link GateAnswer}s out, in order. The socket
 * file is readable by this user only, which is the access control (no token). A thread per
 * connection: a laptop has a capture tool or two, each keeping one connection open, and a blocking
 * read-decide-write loop is the shortest path from question to answer.
 */
public final class GateSocket implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GateSocket.class);

  private final CaptureGate gate;
  private final Path path;
  private final ServerSocketChannel server;
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean closed;

  private GateSocket(CaptureGate gate, Path path, ServerSocketChannel server) {
    this.gate = gate;
    this.path = path;
    this.server = server;
  }

  /** Listens on {@code path}, replacing a stale socket file an earlier run left behind. */
  public static GateSocket start(CaptureGate gate, Path path) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }
    GateSocket socket = new GateSocket(gate, path, server);
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
        Thread serving = new Thread(() -> serve(channel), "gate-socket-" + connections.incrementAndGet());
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

  private void serve(SocketChannel channel) {
    try (channel;
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel))) {
      GateCall call;
      while ((call = GateCall.parseDelimitedFrom(in)) != null) {
        answer(call).writeDelimitedTo(out);
        out.flush();
      }
    } catch (IOException e) {
      // The tool hung up or sent garbage; its next connection starts clean.
      log.debug("Gate socket connection ended: {}", e.toString());
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
    server.close();
    Files.deleteIfExists(path);
  }
}
