package io.fleetcontrol.grpcedge;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpEntity.ChunkStreamPart;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * A size limit for every gRPC request message, in front of a pekko-grpc handler: pekko-grpc 1.1
 * has none on the server and reads whatever length a message's 5-byte header declares. The guard
 * reads only those headers as the bytes stream past (each chunk is passed on as it is, the
 * payload is skipped, not copied), so unary calls and hours-long bidi streams are checked message
 * by message. A header declaring more than the limit ends the call with RESOURCE_EXHAUSTED naming
 * the limit and its setting, before any more of the request is read.
 *
 * <p>Compressed messages (flag 1) are refused as UNIMPLEMENTED: a gzip bomb far under the limit
 * inflates to gigabytes inside pekko-grpc's codec, which has no bound, and none of our clients
 * compresses. gRPC-Web requests (whose trailers travel in the body) are refused the same way:
 * nothing here speaks it, and they would pass the guard otherwise.
 *
 * <p>Why the request is not simply cancelled: pekko-http answers a cancelled HTTP/2 request body
 * with RST_STREAM(CANCEL) and forgets the stream, so the client would see CANCELLED instead of the
 * status. The refused request is left unread (flow control stops the sender) until the response's
 * trailers are out, then cancelled.
 */
public final class GrpcMessageLimit {

  /** How long a refused request is held open after the refusal's trailers went out. */
  private static final Duration RELEASE_AFTER_RESPONSE = Duration.ofSeconds(1);
  /** The release even if the response never ends (a handler that never answers). */
  private static final Duration RELEASE_AT_LATEST = Duration.ofSeconds(30);

  /** How long the rest of a message may take once its header is in: a stalled half-message pins heap. */
  public static final Duration MESSAGE_BODY_WITHIN = Duration.ofSeconds(15);

  private final int maxMessageBytes;
  private final String setting;
  /**
   * Bytes of messages whose header is in and whose body is not yet, on all streams of this server:
   * pekko-grpc buffers each message whole before it is parsed (or a token checked), so many
   * streams each sending just under the limit and stalling would otherwise add up to any heap.
   */
  private final java.util.concurrent.atomic.AtomicLong bytesInFlight = new java.util.concurrent.atomic.AtomicLong();
  private final long maxBytesInFlight;
  private final Duration bodyWithin;

  /**
   * @param maxMessageBytes the largest request message accepted, in bytes
   * @param setting the configuration key that sets it, named in the refusal
   */
  public GrpcMessageLimit(int maxMessageBytes, String setting) {
    this(maxMessageBytes, setting, MESSAGE_BODY_WITHIN);
  }

  /** @param bodyWithin how long a message's body may take after its header (tests shorten it) */
  public GrpcMessageLimit(int maxMessageBytes, String setting, Duration bodyWithin) {
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException(setting + " must be positive, was " + maxMessageBytes);
    }
    this.maxMessageBytes = maxMessageBytes;
    this.setting = setting;
    // Sixty-four whole messages at the limit at once (256 MiB at 4 MiB); small ones never get near it.
    this.maxBytesInFlight = 64L * maxMessageBytes;
    this.bodyWithin = bodyWithin;
  }

  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** {@code handler} with every gRPC request message checked against the limit. */
  public Function<HttpRequest, CompletionStage<HttpResponse>> guard(
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    return request -> {
      String mediaType = request.entity().getContentType().mediaType().toString();
      if (!mediaType.startsWith("application/grpc")) {
        return handler.apply(request);
      }
      ContentType responseType = request.entity().getContentType();
      if (mediaType.startsWith("application/grpc-web")) {
        return CompletableFuture.completedFuture(trailersOnly(responseType, Status.UNIMPLEMENTED.withDescription(
            "gRPC-Web is not served here; use gRPC over HTTP/2 (application/grpc)")));
      }
      if (request.entity() instanceof HttpEntity.Strict strict) {
        // Already read whole by pekko-http (small bodies): check it here, nothing to stream.
        Optional<Status> refusal = scan(strict.getData());
        if (refusal.isPresent()) {
          return CompletableFuture.completedFuture(trailersOnly(responseType, refusal.get()));
        }
        return handler.apply(request);
      }
      CompletableFuture<Status> refused = new CompletableFuture<>();
      CompletableFuture<Done> responseEnded = new CompletableFuture<>();
      HttpRequest guarded = request.withEntity(HttpEntities.create(responseType,
          request.entity().getDataBytes().via(Flow.fromGraph(new FrameSizeGuard(refused, responseEnded)))));
      return handler.apply(guarded).handle((response, failure) -> {
        if (refused.isDone()) {
          // Unary and client-streaming calls answer after the request failed; the handler's answer
          // (unread) is replaced by one that says why, whatever its error mapping made of it.
          return endedWith(responseType, refused.join(), responseEnded);
        }
        if (failure != null) {
          throw new java.util.concurrent.CompletionException(failure);
        }
        return endOnRefusal(response, refused, responseEnded);
      });
    };
  }

  /** The first refusal among the whole messages in {@code data}. */
  private Optional<Status> scan(ByteString data) {
    long at = 0;
    while (at + 5 <= data.size()) { // a cut-off last header is pekko-grpc's to refuse
      int flags = data.apply((int) at) & 0xff;
      long length = Integer.toUnsignedLong(
          (data.apply((int) at + 1) & 0xff) << 24 | (data.apply((int) at + 2) & 0xff) << 16
              | (data.apply((int) at + 3) & 0xff) << 8 | (data.apply((int) at + 4) & 0xff));
      Optional<Status> refusal = refusal(flags, length);
      if (refusal.isPresent()) {
        return refusal;
      }
      at += 5 + length;
    }
    return Optional.empty();
  }

  private Optional<Status> refusal(int flags, long length) {
    if ((flags & 1) != 0) {
      return Optional.of(Status.UNIMPLEMENTED.withDescription(
          "compressed request messages are not accepted; send them uncompressed (grpc-encoding identity)"));
    }
    if (length > maxMessageBytes) {
      return Optional.of(Status.RESOURCE_EXHAUSTED.withDescription("request message of " + length
          + " bytes exceeds the " + maxMessageBytes + "-byte limit (" + setting + ")"));
    }
    return Optional.empty();
  }

  /**
   * A streamed response (a server or bidi stream) ends with the refusal's trailers once the
   * request is refused, unless it ended first; the handler's stream is cancelled.
   */
  private static HttpResponse endOnRefusal(HttpResponse response, CompletableFuture<Status> refused,
      CompletableFuture<Done> responseEnded) {
    if (!(response.entity() instanceof HttpEntity.Chunked chunked)) {
      // pekko-grpc answers strictly only once the whole request is in; nothing is left to guard.
      responseEnded.complete(Done.getInstance());
      return response;
    }
    Source<ChunkStreamPart, ?> refusal = Source.completionStage(refused).map(GrpcMessageLimit::trailers);
    Source<ChunkStreamPart, ?> chunks = chunked.getChunks()
        .merge(refusal, true)
        // Whichever last chunk (the handler's trailers or the refusal) comes first ends the response.
        .takeWhile(part -> !part.isLastChunk(), true);
    Source<ChunkStreamPart, ?> watched = chunks.watchTermination((mat, done) -> {
      done.whenComplete((ok, failure) -> responseEnded.complete(Done.getInstance()));
      return mat;
    });
    return response.withEntity(chunkedEntity(chunked.getContentType(), watched));
  }

  /** The refusal as a whole response: headers, then trailers with the status. */
  private static HttpResponse endedWith(ContentType contentType, Status status,
      CompletableFuture<Done> responseEnded) {
    Source<ChunkStreamPart, ?> onlyTrailers = Source.single(trailers(status)).watchTermination((mat, done) -> {
      done.whenComplete((ok, failure) -> responseEnded.complete(Done.getInstance()));
      return mat;
    });
    return HttpResponse.create().withEntity(chunkedEntity(contentType, onlyTrailers));
  }

  /** gRPC's trailers-only answer, for a refusal before the handler was called. */
  private static HttpResponse trailersOnly(ContentType contentType, Status status) {
    return HttpResponse.create()
        .withEntity(HttpEntities.create(contentType, ByteString.emptyByteString()))
        .addHeaders(statusHeaders(status));
  }

  /** The javadsl has no chunked entity of parts (only of bytes), and trailers need a last part. */
  private static org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked chunkedEntity(ContentType contentType,
      Source<ChunkStreamPart, ?> parts) {
    return new org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked(
        (org.apache.pekko.http.scaladsl.model.ContentType) contentType,
        parts.map(part -> (org.apache.pekko.http.scaladsl.model.HttpEntity.ChunkStreamPart) part)
            .<Object>mapMaterializedValue(mat -> mat).asScala());
  }

  private static ChunkStreamPart trailers(Status status) {
    return ChunkStreamPart.createLast("", statusHeaders(status));
  }

  private static List<HttpHeader> statusHeaders(Status status) {
    return List.of(
        RawHeader.create("grpc-status", Integer.toString(status.getCode().value())),
        RawHeader.create("grpc-message", percentEncoded(status.getDescription())));
  }

  /** grpc-message is percent-encoded UTF-8 (the gRPC HTTP/2 protocol spec). */
  static String percentEncoded(String message) {
    StringBuilder encoded = new StringBuilder();
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        encoded.append((char) c);
      } else {
        encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return encoded.toString();
  }

  /**
   * Passes the request bytes on chunk by chunk while it follows the message headers in them. On
   * a refusal it passes on the whole messages before the bad header, fails the handler's side with
   * the status and stops pulling; it cancels the request once the response has ended.
   */
  private final class FrameSizeGuard extends GraphStage<FlowShape<ByteString, ByteString>> {

    private final Inlet<ByteString> in = Inlet.create("FrameSizeGuard.in");
    private final Outlet<ByteString> out = Outlet.create("FrameSizeGuard.out");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
    private final CompletableFuture<Status> refused;
    private final CompletableFuture<Done> responseEnded;

    FrameSizeGuard(CompletableFuture<Status> refused, CompletableFuture<Done> responseEnded) {
      this.refused = refused;
      this.responseEnded = responseEnded;
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new TimerGraphStageLogic(shape) {
        private long payloadLeft;
        private int headerBytesRead;
        private int flags;
        private long declaredLength;
        private boolean responseOver;
        /** What this stream holds of {@link #bytesInFlight}: the current message's declared size. */
        private long reserved;

        {
          setHandler(in, new AbstractInHandler() {
            @Override
            public void onPush() {
              onChunk(grab(in));
            }

            @Override
            public void onUpstreamFinish() {
              if (!refused.isDone()) {
                completeStage();
              }
            }
          });
          setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
              pull(in);
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
              cancelTimer("body");
              // The handler stopped reading (e.g. a message it could not parse, or a stream it
              // closed): the request stays open, unread, until the answer is out, or the client
              // would get RST_STREAM(CANCEL) instead of the status.
              if (responseOver) {
                completeStage();
              } else {
                scheduleOnce("release", RELEASE_AT_LATEST);
              }
            }
          });
        }

        @Override
        public void preStart() {
          var release = createAsyncCallback((Done done) -> {
            responseOver = true;
            scheduleOnce("release", RELEASE_AFTER_RESPONSE);
          });
          responseEnded.thenAccept(release::invoke);
        }

        @Override
        public void onTimer(Object key) {
          if ("body".equals(key)) {
            long late = reserved;
            release();
            refuse(ByteString.emptyByteString(), Status.RESOURCE_EXHAUSTED.withDescription("a request message of "
                + late + " bytes did not arrive within " + bodyWithin.toMillis() + " ms of its header"));
          } else {
            completeStage();
          }
        }

        @Override
        public void postStop() {
          release();
        }

        private void release() {
          bytesInFlight.addAndGet(-reserved);
          reserved = 0;
        }

        private void onChunk(ByteString chunk) {
          int size = chunk.size();
          int at = 0;
          while (at < size) {
            if (payloadLeft > 0) {
              int skipped = (int) Math.min(payloadLeft, size - at);
              at += skipped;
              payloadLeft -= skipped;
              if (payloadLeft == 0) {
                release();
                cancelTimer("body");
              }
              continue;
            }
            int b = chunk.apply(at) & 0xff;
            at++;
            if (headerBytesRead == 0) {
              flags = b;
            } else {
              declaredLength = declaredLength << 8 | b;
            }
            if (++headerBytesRead == 5) {
              Optional<Status> refusal = refusal(flags, declaredLength);
              if (refusal.isEmpty() && bytesInFlight.addAndGet(declaredLength) > maxBytesInFlight) {
                bytesInFlight.addAndGet(-declaredLength);
                refusal = Optional.of(Status.RESOURCE_EXHAUSTED.withDescription("this server is receiving "
                    + maxBytesInFlight + " bytes of large messages at once already; send it again in a moment"));
              }
              if (refusal.isPresent()) {
                refuse(chunk.take(Math.max(0, at - 5)), refusal.get());
                return;
              }
              payloadLeft = declaredLength;
              if (declaredLength > 0) {
                reserved = declaredLength;
                scheduleOnce("body", bodyWithin);
              }
              headerBytesRead = 0;
              declaredLength = 0;
            }
          }
          push(out, chunk);
        }

        private void refuse(ByteString wholeMessagesBefore, Status status) {
          cancelTimer("body");
          refused.complete(status);
          scheduleOnce("release", RELEASE_AT_LATEST);
          GrpcServiceException failure = new GrpcServiceException(status);
          if (wholeMessagesBefore.isEmpty()) {
            fail(out, failure);
          } else {
            emit(out, wholeMessagesBefore, () -> fail(out, failure));
          }
        }
      };
    }
  }
}
