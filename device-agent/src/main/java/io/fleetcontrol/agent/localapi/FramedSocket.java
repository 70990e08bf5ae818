package io.fleetcontrol.agent.localapi;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.MessageLite;
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
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Unix domain socket that answers length-delimited protobuf calls in order (a varint length,
 * then the message: protobuf's writeDelimitedTo), for the gate socket and the employee socket. The
 * kernel names each caller's user (SO_PEERCRED), which the service may check. A thread per
 * connection: a laptop has a capture tool or two and the employee's CLI, each keeping a connection
 * open, and a blocking read-answer-write loop is the shortest path from question to answer. So that
 * a broken or hostile local client cannot take the agent down with it, an account the service
 * refuses is answered and closed at once, a call is read only after its length is checked,
 * connections are capped, and a call stalled half-sent (or an answer never read) closes its
 * connection.
 */
public final class FramedSocket implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FramedSocket.class);

  /** What a socket answers. */
  public interface Service {
    /**
     * Why the account {@code peer} may not use this socket at all, or null when it may. Asked once
     * per connection, before it takes a place or a thread: a refused account is answered
     * PERMISSION_DENIED with this and closed, and cannot crowd out the one it is refused for.
     */
    default String refuses(String peer) {
      return null;
    }

    /** The answer to one call (its bytes, not yet parsed) from an account the socket admits. */
    MessageLite answer(byte[] call);

    /** An answer saying why a call was refused; nothing changed. */
    MessageLite refusal(Status.Code code, String message);
  }

  /**
   * @param maxMessageBytes the largest call read; a larger one is answered RESOURCE_EXHAUSTED unread
   * @param maxConnections connections served at once (a thread each); more are refused
   * @param stalledAfter how long one call may take from its first byte to its answer written
   */
  public record Limits(int maxMessageBytes, int maxConnections, Duration stalledAfter) {

    /** A laptop runs a capture tool or two; 16 leaves room for restarts and the CLI. */
    public static Limits withMaxMessageBytes(int maxMessageBytes) {
      return new Limits(maxMessageBytes, 16, Duration.ofSeconds(10));
    }
  }

  private final String name;
  private final Service service;
  private final Path path;
  private final ServerSocketChannel server;
  private final Limits limits;
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger served = new AtomicInteger();
  private final ScheduledExecutorService watchdog;
  private volatile boolean closed;

  private FramedSocket(String name, Service service, Path path, ServerSocketChannel server, Limits limits) {
    this.name = name;
    this.service = service;
    this.path = path;
    this.server = server;
    this.limits = limits;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, name + "-socket-watchdog");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Listens on {@code path}, replacing a stale socket file an earlier run left behind.
   * {@code fileMode}: who may connect at all, e.g. "rw-------" (this user only) or "rw-rw-rw-"
   * (anyone, when the service checks the caller itself).
   */
  public static FramedSocket start(String name, Path path, String fileMode, Service service, Limits limits)
      throws IOException {
    return start(name, path, fileMode, "", service, limits);
  }

  /** As above, the file owned by {@code group} (empty: left as created), for a mode that lets a group in. */
  public static FramedSocket start(String name, Path path, String fileMode, String group, Service service,
      Limits limits) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(path));
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        // Set on the path bind just made. The JDK cannot set a socket file's mode without following
        // links (O_NOFOLLOW opens fail on sockets), so the directory must be the agent's own: the
        // state directory, or /run/fleet-agent from the system unit.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(fileMode));
        if (!group.isEmpty()) {
          Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(
              path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group));
        }
      }
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(path);
      throw e;
    }
    FramedSocket socket = new FramedSocket(name, service, path, server, limits);
    long checkMillis = Math.max(1, limits.stalledAfter().toMillis() / 4);
    socket.watchdog.scheduleWithFixedDelay(socket::closeStalled, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
    Thread acceptor = new Thread(socket::acceptLoop, name + "-socket-accept");
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
        String refused = service.refuses(peer(channel));
        if (refused != null) {
          refuse(channel, Status.Code.PERMISSION_DENIED, refused);
          continue;
        }
        if (open.size() >= limits.maxConnections()) {
          refuse(channel, Status.Code.RESOURCE_EXHAUSTED, "the " + name + " socket serves at most "
              + limits.maxConnections() + " connections at once; close one and connect again");
          continue;
        }
        Connection connection = new Connection(channel);
        open.add(connection);
        Thread serving = new Thread(() -> serve(connection), name + "-socket-" + served.incrementAndGet());
        serving.setDaemon(true);
        serving.start();
      } catch (IOException e) {
        if (!closed) {
          log.warn("The {} socket {} stopped accepting: {}", name, path, e.toString());
        }
        return;
      }
    }
  }

  /**
   * One answer saying why, in place of the first call's; then the connection is closed. Written
   * from the accepting thread: a few bytes, which the socket's buffer takes whether or not the
   * client reads them.
   */
  private void refuse(SocketChannel channel, Status.Code code, String why) {
    try (channel) {
      OutputStream out = Channels.newOutputStream(channel);
      service.refusal(code, why).writeDelimitedTo(out);
      out.flush();
    } catch (IOException e) {
      log.debug("A refusal on the {} socket was not delivered: {}", name, e.toString());
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
          service.refusal(Status.Code.RESOURCE_EXHAUSTED, "call of " + Integer.toUnsignedString(size)
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
      // The client hung up, sent a broken length, or stalled and was closed; its next connection starts clean.
      log.debug("A connection on the {} socket ended: {}", name, e.toString());
    } finally {
      open.remove(connection);
    }
  }

  /** The service's answer; a failure of ours is answered, not a connection dropped without a word. */
  private MessageLite answer(byte[] call) {
    try {
      return service.answer(call);
    } catch (RuntimeException e) {
      log.error("The {} socket failed to answer a call", name, e);
      return service.refusal(Status.Code.INTERNAL, "the agent failed to answer: " + e);
    }
  }

  /** The calling process's user as the kernel tells it; empty where the platform cannot say. */
  private static String peer(SocketChannel channel) {
    try {
      return channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }

  /** A call half-sent, or an answer the client does not read, would hold its thread for ever. */
  private void closeStalled() {
    long now = System.nanoTime();
    for (Connection connection : open) {
      long since = connection.busySinceNanos;
      if (since != 0 && now - since > limits.stalledAfter().toNanos()) {
        log.info("The {} socket: closing a connection whose call stalled for over {} s", name,
            limits.stalledAfter().toSeconds());
        try {
          connection.channel.close();
        } catch (IOException e) {
          log.debug("The {} socket: closing a stalled connection failed: {}", name, e.toString());
        }
      }
    }
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
