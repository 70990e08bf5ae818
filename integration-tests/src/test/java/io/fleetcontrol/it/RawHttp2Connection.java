package io.fleetcontrol.it;

import io.fleetcontrol.tls.PemFiles;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * An HTTP/2 connection spoken frame by frame over TLS (ALPN h2), for what no well-behaved client
 * does: streams reset as soon as they are opened, pings left unanswered, a connection that never
 * opens a stream. A reader thread collects what the server sends until it closes the connection.
 */
final class RawHttp2Connection implements AutoCloseable {

  static final int HEADERS = 0x1;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int PING = 0x6;
  static final int GOAWAY = 0x7;
  private static final int END_HEADERS = 0x4;
  private static final int CANCEL = 0x8;
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** {@code readAtNanos}: when this connection read it (System.nanoTime). */
  record Frame(int type, int flags, int streamId, byte[] payload, long readAtNanos) {}

  final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
  /** Completes when the server closes the connection (end of stream or reset), with when that was seen. */
  final CompletableFuture<Long> closedByServerAtNanos = new CompletableFuture<>();
  private final SSLSocket socket;
  private final OutputStream out;
  private final int port;
  private int nextStreamId = 1;
  private volatile boolean closing;

  /** Connects, finishes TLS with ALPN h2, and sends the client preface and empty SETTINGS. */
  RawHttp2Connection(int port) throws IOException {
    this.port = port;
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {PemFiles.trustManager(TestTls.ca())}, null);
      socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("no TLS context for the test CA", e);
    }
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    if (!"h2".equals(socket.getApplicationProtocol())) {
      throw new IOException("the server did not choose h2 but " + socket.getApplicationProtocol());
    }
    out = socket.getOutputStream();
    out.write(PREFACE);
    writeFrame(SETTINGS, 0, 0, new byte[0]);
    out.flush();
    Thread reader = new Thread(this::readUntilClosed, "raw-h2-reader-" + socket.getLocalPort());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens a gRPC call to {@code path} with these headers and leaves it open (no END_STREAM), as an
   * agent's Connect does before its first message; returns the stream id.
   */
  synchronized int openStream(String path, Map<String, String> headers) throws IOException {
    int streamId = nextStreamId;
    nextStreamId += 2;
    Map<String, String> all = new LinkedHashMap<>();
    all.put(":method", "POST");
    all.put(":scheme", "https");
    all.put(":path", path);
    all.put(":authority", "127.0.0.1:" + port);
    all.put("content-type", "application/grpc");
    all.put("te", "trailers");
    all.putAll(headers);
    writeFrame(HEADERS, END_HEADERS, streamId, hpackLiterals(all));
    return streamId;
  }

  synchronized void reset(int streamId) throws IOException {
    writeFrame(RST_STREAM, 0, streamId, new byte[] {0, 0, 0, CANCEL});
  }

  synchronized void flush() throws IOException {
    out.flush();
  }

  /** The next frame of {@code type} the server sent (others are dropped), or null if none came in time. */
  Frame next(int type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Frame frame = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
      if (frame == null || frame.type() == type) {
        return frame;
      }
    }
  }

  boolean closedByServer() {
    return closedByServerAtNanos.isDone();
  }

  private void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
    byte[] header = {
      (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
      (byte) type, (byte) flags,
      (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId};
    out.write(header);
    out.write(payload);
  }

  /** Every header as a literal without indexing and with a new name: no table state to keep. */
  private static byte[] hpackLiterals(Map<String, String> headers) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    headers.forEach((name, value) -> {
      block.write(0x00);
      hpackString(block, name);
      hpackString(block, value);
    });
    return block.toByteArray();
  }

  /** A string without Huffman coding: its length as a 7-bit-prefix integer, then its bytes. */
  private static void hpackString(ByteArrayOutputStream block, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int length = bytes.length;
    if (length < 127) {
      block.write(length);
    } else {
      block.write(127);
      length -= 127;
      while (length >= 128) {
        block.write((length & 0x7f) | 0x80);
        length >>>= 7;
      }
      block.write(length);
    }
    block.writeBytes(bytes);
  }

  private void readUntilClosed() {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        received.add(new Frame(type, flags, streamId, payload, System.nanoTime()));
      }
    } catch (IOException endOfStreamOrReset) {
      if (!closing) {
        closedByServerAtNanos.complete(System.nanoTime());
      }
    }
  }

  @Override
  public void close() {
    closing = true;
    try {
      socket.close();
    } catch (IOException alreadyGone) {
      // Nothing to release.
    }
  }
}
