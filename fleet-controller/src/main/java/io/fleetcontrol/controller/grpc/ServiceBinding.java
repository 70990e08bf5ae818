package io.fleetcontrol.controller.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.fleetcontrol.grpcedge.GrpcFailures;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.internal.GrpcMetadataImpl;
import org.apache.pekko.grpc.internal.JavaMetadataImpl;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Serves an implementation of a pekko-grpc "power API" interface (our services are written against
 * those: a {@code CompletionStage} per unary call, a {@code Source} per stream, the request's
 * {@link Metadata}) on grpc-java's server. The methods are found from the service's protobuf
 * descriptor, once, at start; a call costs a reflective invoke.
 *
 * <p>Why not pekko-grpc's own server: it runs on pekko-http, whose TLS stage and HTTP/2 graph cost
 * about 90 KiB of heap and several actor hops per agent connection (issue 16); grpc-java's Netty
 * server does TLS natively and one codec per connection.
 *
 * <p>A request that does not decode is the caller's fault: it is answered INVALID_ARGUMENT with what
 * protobuf found wrong (grpc-java's own marshaller fails such a call as UNKNOWN). On a stream it
 * fails the incoming messages with the {@link InvalidProtocolBufferException}, which the service maps.
 */
final class ServiceBinding {

  /** The request's headers, set by {@link ControllerServer}'s interceptor for the call's duration. */
  static final Context.Key<io.grpc.Metadata> HEADERS = Context.key("fleet-request-headers");
  /** Messages a stream's service may lag behind its caller; more are a client that does not wait. */
  private static final int INBOUND_BUFFER = 64;

  private ServiceBinding() {}

  /**
   * Binds every method of {@code service} to {@code implementation}, an instance of {@code api}, the
   * pekko-grpc power API generated for it. Unary and bidirectional methods only (all we have).
   */
  static ServerServiceDefinition bind(Descriptors.ServiceDescriptor service, Class<?> api, Object implementation,
      Materializer materializer) {
    var bound = new java.util.ArrayList<Bound>();
    for (Descriptors.MethodDescriptor method : service.getMethods()) {
      Method target = javaMethod(api, method);
      if (method.isClientStreaming() != method.isServerStreaming()) {
        throw new IllegalArgumentException(method.getFullName() + ": only unary and bidirectional methods are bound");
      }
      boolean streaming = method.isClientStreaming();
      Class<? extends Message> requestType = typeArgument(streaming
          ? target.getGenericParameterTypes()[0] : target.getParameterTypes()[0], streaming);
      Class<? extends Message> responseType = typeArgument(target.getGenericReturnType(), true);
      MethodDescriptor<Decoded, Message> grpcMethod = MethodDescriptor.<Decoded, Message>newBuilder()
          .setType(streaming ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(service.getFullName(), method.getName()))
          .setRequestMarshaller(new DecodingMarshaller(defaultInstance(requestType)))
          .setResponseMarshaller(ProtoUtils.marshaller(defaultInstance(responseType)))
          .build();
      bound.add(new Bound(grpcMethod, streaming
          ? ServerCalls.asyncBidiStreamingCall(out -> stream(target, implementation, out, materializer))
          : ServerCalls.asyncUnaryCall((request, out) -> unary(target, implementation, request, out))));
    }
    // The file descriptor lets server reflection (grpcurl) describe the service.
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getFullName())
        .setSchemaDescriptor((ProtoFileDescriptorSupplier) service::getFile);
    bound.forEach(b -> descriptor.addMethod(b.method()));
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
    bound.forEach(b -> definition.addMethod(b.method(), b.handler()));
    return definition.build();
  }

  private record Bound(MethodDescriptor<Decoded, Message> method, ServerCallHandler<Decoded, Message> handler) {}

  @SuppressWarnings("unchecked")
  private static void unary(Method target, Object implementation, Decoded request, StreamObserver<Message> out) {
    CompletionStage<Message> answer;
    if (request.problem() != null) {
      answer = CompletableFuture.failedFuture(request.problem());
    } else {
      try {
        answer = (CompletionStage<Message>) target.invoke(implementation, request.message(), metadata());
      } catch (InvocationTargetException e) {
        answer = CompletableFuture.failedFuture(e.getCause());
      } catch (IllegalAccessException e) {
        answer = CompletableFuture.failedFuture(e);
      }
    }
    answer.whenComplete((response, failure) -> {
      if (failure != null) {
        out.onError(GrpcFailures.statusOf(failure).asRuntimeException());
      } else {
        out.onNext(response);
        out.onCompleted();
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static StreamObserver<Decoded> stream(Method target, Object implementation, StreamObserver<Message> response,
      Materializer materializer) {
    var out = (ServerCallStreamObserver<Message>) response;
    Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> incoming =
        Source.<Message>queue(INBOUND_BUFFER).preMaterialize(materializer);
    BoundedSourceQueue<Message> queue = incoming.first();
    var sending = new Sending(out);
    Source<Message, NotUsed> responses;
    try {
      responses = (Source<Message, NotUsed>) target.invoke(implementation, incoming.second(), metadata());
    } catch (InvocationTargetException e) {
      responses = Source.failed(e.getCause());
    } catch (IllegalAccessException e) {
      responses = Source.failed(e);
    }
    responses.runWith(Sink.fromSubscriber(sending), materializer);
    return new StreamObserver<>() {
      @Override
      public void onNext(Decoded request) {
        if (request.problem() != null) {
          end(queue, request.problem());
        } else if (queue.offer(request.message()) == QueueOfferResult.dropped()) {
          end(queue, Status.RESOURCE_EXHAUSTED.withDescription("more than " + INBOUND_BUFFER
              + " messages arrived before the controller read them; the stream is closed").asRuntimeException());
        }
        // QueueClosed: the stream ended already (a message before failed); the rest are dropped.
      }

      @Override
      public void onError(Throwable cancelled) {
        end(queue, cancelled);
      }

      @Override
      public void onCompleted() {
        end(queue, null);
      }
    };
  }

  /** The incoming side ends once: later messages, a cancel after a bad message, find it closed. */
  private static void end(BoundedSourceQueue<Message> queue, Throwable failure) {
    try {
      if (failure == null) {
        queue.complete();
      } else {
        queue.fail(failure);
      }
    } catch (IllegalStateException alreadyEnded) {
      // Nothing left to end.
    }
  }

  private static Metadata metadata() {
    io.grpc.Metadata headers = HEADERS.get();
    return new JavaMetadataImpl(new GrpcMetadataImpl(headers != null ? headers : new io.grpc.Metadata()));
  }

  /**
   * Writes a stream's responses to its call as fast as the connection takes them: one is asked for
   * when the call is ready for more (HTTP/2 flow control), so a client that stops reading holds the
   * service's source back rather than the controller's heap.
   */
  private static final class Sending implements Subscriber<Message> {
    private final ServerCallStreamObserver<Message> out;
    private final AtomicBoolean asked = new AtomicBoolean();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile Subscription subscription;

    Sending(ServerCallStreamObserver<Message> out) {
      this.out = out;
      // Both only while the service method runs, as grpc-java requires.
      out.setOnReadyHandler(this::askIfReady);
      out.setOnCancelHandler(this::cancel);
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      if (cancelled.get()) {
        s.cancel();
      } else {
        askIfReady();
      }
    }

    @Override
    public void onNext(Message message) {
      asked.set(false);
      out.onNext(message);
      askIfReady();
    }

    @Override
    public void onError(Throwable failure) {
      if (!cancelled.get()) {
        out.onError(GrpcFailures.statusOf(failure).asRuntimeException());
      }
    }

    @Override
    public void onComplete() {
      if (!cancelled.get()) {
        out.onCompleted();
      }
    }

    private void askIfReady() {
      Subscription s = subscription;
      if (s != null && !cancelled.get() && out.isReady() && asked.compareAndSet(false, true)) {
        s.request(1);
      }
    }

    private void cancel() {
      cancelled.set(true);
      Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  /** A request as it came off the wire: the message, or why it is none. */
  record Decoded(Message message, InvalidProtocolBufferException problem) {}

  /** Parses requests without failing the call: a bad one becomes a {@link Decoded} with its problem. */
  private static final class DecodingMarshaller implements MethodDescriptor.Marshaller<Decoded> {
    private final Parser<? extends Message> parser;

    DecodingMarshaller(Message defaultInstance) {
      this.parser = defaultInstance.getParserForType();
    }

    @Override
    public InputStream stream(Decoded value) {
      return value.message().toByteString().newInput();
    }

    @Override
    public Decoded parse(InputStream stream) {
      try {
        return new Decoded(parser.parseFrom(stream), null);
      } catch (InvalidProtocolBufferException e) {
        return new Decoded(null, e);
      }
    }
  }

  private static Method javaMethod(Class<?> api, Descriptors.MethodDescriptor method) {
    String name = Character.toLowerCase(method.getName().charAt(0)) + method.getName().substring(1);
    return Arrays.stream(api.getMethods())
        .filter(m -> m.getName().equals(name) && m.getParameterCount() == 2)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(api.getName() + " has no method " + name));
  }

  /** {@code Foo} from {@code CompletionStage<Foo>} or {@code Source<Foo, NotUsed>}, or the class itself. */
  @SuppressWarnings("unchecked")
  private static Class<? extends Message> typeArgument(java.lang.reflect.Type type, boolean generic) {
    java.lang.reflect.Type message = generic ? ((ParameterizedType) type).getActualTypeArguments()[0] : type;
    return (Class<? extends Message>) message;
  }

  private static Message defaultInstance(Class<? extends Message> type) {
    try {
      return (Message) type.getMethod("getDefaultInstance").invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(type + " is not a generated protobuf message", e);
    }
  }
}
