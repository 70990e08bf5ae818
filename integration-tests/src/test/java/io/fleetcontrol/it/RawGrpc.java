package io.fleetcontrol.it;

import com.google.protobuf.Descriptors.MethodDescriptor;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * grpc-java calls with requests and answers as plain bytes, so a test can send any method any bytes
 * (well-formed or not) without generated stubs. Over TLS with the test CA, or plaintext for the
 * agent's loopback API.
 */
final class RawGrpc implements AutoCloseable {

  /** How a call ended: its status, the answers that came before, and how long it took. */
  record Outcome(Status status, List<byte[]> answers, Duration took) {}

  private static final io.grpc.MethodDescriptor.Marshaller<byte[]> BYTES = new io.grpc.MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private final ManagedChannel channel;

  private RawGrpc(ManagedChannel channel) {
    this.channel = channel;
  }

  static RawGrpc tls(int port) {
    return new RawGrpc(tlsChannel(port));
  }

  /** A grpc-java channel to the controller over TLS with the test CA, for stubs of other services. */
  static ManagedChannel tlsChannel(int port) {
    try {
      return NettyChannelBuilder.forAddress("127.0.0.1", port)
          .sslContext(GrpcSslContexts.forClient().trustManager(TestTls.ca().toFile()).build())
          // Answers may be large (a page of policies with 100 KB fields); only requests are under test.
          .maxInboundMessageSize(256 * 1024 * 1024)
          .build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException("cannot set up TLS with " + TestTls.ca(), e);
    }
  }

  static RawGrpc plaintext(int port) {
    return new RawGrpc(NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .maxInboundMessageSize(256 * 1024 * 1024)
        .build());
  }

  static io.grpc.MethodDescriptor<byte[], byte[]> method(MethodDescriptor method) {
    io.grpc.MethodDescriptor.MethodType type =
        method.isClientStreaming() && method.isServerStreaming() ? io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING
            : method.isClientStreaming() ? io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING
            : method.isServerStreaming() ? io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING
            : io.grpc.MethodDescriptor.MethodType.UNARY;
    return io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(
            method.getService().getFullName(), method.getName()))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  /**
   * Sends {@code requests} in order, half-closes, and waits for the end. A call still open at
   * {@code deadline} ends as DEADLINE_EXCEEDED, so a hang shows as a status, not a stuck test.
   */
  Outcome call(MethodDescriptor method, Map<String, String> headers, List<byte[]> requests, Duration deadline) {
    return call(method, headers, requests, deadline, answers -> true);
  }

  /**
   * The same, but half-closes only once {@code readyToHalfClose} holds for the answers so far (a
   * second at most): a stream's server may drop acks still pending when the client hangs up.
   */
  Outcome call(MethodDescriptor method, Map<String, String> headers, List<byte[]> requests, Duration deadline,
      Predicate<List<byte[]>> readyToHalfClose) {
    Metadata metadata = new Metadata();
    headers.forEach((k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    List<byte[]> answers = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Status> closed = new CompletableFuture<>();
    long start = System.nanoTime();
    ClientCall<byte[], byte[]> call = channel.newCall(method(method),
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        answers.add(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, metadata);
    call.request(Integer.MAX_VALUE);
    for (byte[] request : requests) {
      call.sendMessage(request);
    }
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (!closed.isDone() && !readyToHalfClose.test(List.copyOf(answers)) && System.nanoTime() < waitUntil) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    call.halfClose();
    Status status;
    try {
      status = closed.get(deadline.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      call.cancel("the test gave up waiting", e);
      status = Status.DEADLINE_EXCEEDED.withDescription("no status from the client after the deadline: " + e);
    }
    return new Outcome(status, List.copyOf(answers), Duration.ofNanos(System.nanoTime() - start));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
