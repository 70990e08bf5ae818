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
import org.apache.pekko.grpc.internal.GrpcMetadataImpl;
import org.apache.pekko.grpc.internal.JavaMetadataImpl;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves our services on grpc-java's server. Unary methods are written as pekko-grpc's "power API"
 * has them (a {@code CompletionStage} per call, with the request's {@link Metadata}): the admin
 * service's whole generated interface is bound by reflection from its protobuf descriptor, once, at
 * start ({@link #bind}). A stream is bound to a {@link Streaming} handler that writes to its call
 * itself ({@link #service}).
 *
 * <p>Why not pekko-grpc's own server: it runs on pekko-http, whose TLS stage and HTTP/2 graph cost
 * about 90 KiB of heap and several actor hops per agent connection (issue 16); grpc-java's Netty
 * server does TLS natively and one codec per connection.
 *
 * <p>A request that does not decode is the caller's fault: a unary one is answered INVALID_ARGUMENT
 * with what protobuf found wrong (grpc-java's own marshaller fails such a call as UNKNOWN); on a
 * stream the handler hears of it ({@link Incoming#onUndecodable}).
 */
public final class ServiceBinding {

  private static final Logger log = LoggerFactory.getLogger(ServiceBinding.class);
  /** The request's headers, set by {@link ControllerServer}'s interceptor for the call's duration. */
  static final Context.Key<io.grpc.Metadata> HEADERS = Context.key("fleet-request-headers");

  private ServiceBinding() {}

  /** A unary method: the request, its metadata, the answer to come. */
  @FunctionalInterface
  public interface Unary<Q extends Message, R extends Message> {
    CompletionStage<R> call(Q request, Metadata metadata);
  }

  /**
   * A bidirectional stream: gets the call to write its responses to (from one thread at a time, as
   * grpc-java requires) and returns what its incoming messages go to. It may set the call's ready
   * handler and turn off automatic requests, while it runs; the cancel handler is this binding's.
   */
  @FunctionalInterface
  public interface Streaming<Q extends Message, R extends Message> {
    Incoming<Q> open(ServerCallStreamObserver<R> out, Metadata metadata);
  }

  /** A stream's incoming side, called by one thread at a time. */
  public interface Incoming<Q> {
    void onMessage(Q message);

    /** Bytes that are not a message of the method's type arrived; the caller's fault. */
    void onUndecodable(InvalidProtocolBufferException problem);

    /** The caller finished its side ({@code cancelled} false) or the call was cancelled. */
    void onEnd(boolean cancelled);
  }

  /** The incoming side of a stream refused at once (its call is closed already): it ignores everything. */
  @SuppressWarnings("unchecked")
  public static <Q> Incoming<Q> ignoring() {
    return (Incoming<Q>) IGNORING;
  }

  private static final Incoming<Object> IGNORING = new Incoming<>() {
    @Override
    public void onMessage(Object message) {}

    @Override
    public void onUndecodable(InvalidProtocolBufferException problem) {}

    @Override
    public void onEnd(boolean cancelled) {}
  };

  /** Starts a service definition to add methods to by name. */
  static Builder service(Descriptors.ServiceDescriptor service) {
    return new Builder(service);
  }

  /**
   * Binds every method of {@code service} to {@code implementation}, an instance of {@code api}, the
   * pekko-grpc power API generated for it. Unary methods only.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static ServerServiceDefinition bind(Descriptors.ServiceDescriptor service, Class<?> api, Object implementation) {
    Builder builder = service(service);
    for (UnaryMethod method : unaryMethods(service, api).values()) {
      Unary<Message, Message> call = (request, metadata) -> method.call(implementation, request, metadata);
      builder.unary(method.name(), method.request(), method.response(), (Unary) call);
    }
    return builder.build();
  }

  /**
   * One unary method of a power API, found by reflection: its request and response types (as default
   * instances) and how to call it on an implementation. The gRPC server and the dashboard's JSON API
   * both call the service through these.
   */
  public record UnaryMethod(String name, Message request, Message response, Method target) {
    @SuppressWarnings("unchecked")
    public CompletionStage<Message> call(Object implementation, Message request, Metadata metadata) {
      try {
        return (CompletionStage<Message>) target.invoke(implementation, request, metadata);
      } catch (InvocationTargetException e) {
        return CompletableFuture.failedFuture(e.getCause());
      } catch (IllegalAccessException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
  }

  /** The unary methods of {@code service} as {@code api} declares them, by the method's proto name. */
  @SuppressWarnings("unchecked")
  public static java.util.Map<String, UnaryMethod> unaryMethods(Descriptors.ServiceDescriptor service, Class<?> api) {
    var methods = new java.util.LinkedHashMap<String, UnaryMethod>();
    for (Descriptors.MethodDescriptor method : service.getMethods()) {
      if (method.isClientStreaming() || method.isServerStreaming()) {
        throw new IllegalArgumentException(method.getFullName() + ": only unary methods are bound by reflection");
      }
      Method target = javaMethod(api, method);
      Class<? extends Message> requestType = (Class<? extends Message>) target.getParameterTypes()[0];
      Class<? extends Message> responseType = (Class<? extends Message>)
          ((ParameterizedType) target.getGenericReturnType()).getActualTypeArguments()[0];
      methods.put(method.getName(),
          new UnaryMethod(method.getName(), defaultInstance(requestType), defaultInstance(responseType), target));
    }
    return java.util.Collections.unmodifiableMap(methods);
  }

  /** Methods added by name; {@link #build} checks that each of the service's is there. */
  static final class Builder {
    private final Descriptors.ServiceDescriptor service;
    private final java.util.List<Bound> bound = new java.util.ArrayList<>();

    private Builder(Descriptors.ServiceDescriptor service) {
      this.service = service;
    }

    @SuppressWarnings("unchecked")
    <Q extends Message, R extends Message> Builder unary(String name, Q request, R response, Unary<Q, R> method) {
      bound.add(new Bound(descriptor(name, MethodDescriptor.MethodType.UNARY, request, response),
          ServerCalls.asyncUnaryCall((Decoded decoded, StreamObserver<Message> out) -> {
            CompletionStage<R> answer;
            try {
              answer = decoded.problem() != null
                  ? CompletableFuture.failedFuture(decoded.problem())
                  : method.call((Q) decoded.message(), metadata());
            } catch (RuntimeException thrown) {
              answer = CompletableFuture.failedFuture(thrown);
            }
            answer.whenComplete((answered, failure) -> {
              if (failure != null) {
                out.onError(statusOf(name, failure).asRuntimeException());
              } else {
                out.onNext(answered);
                out.onCompleted();
              }
            });
          })));
      return this;
    }

    @SuppressWarnings("unchecked")
    <Q extends Message, R extends Message> Builder stream(String name, Q request, R response, Streaming<Q, R> method) {
      bound.add(new Bound(descriptor(name, MethodDescriptor.MethodType.BIDI_STREAMING, request, response),
          ServerCalls.asyncBidiStreamingCall((StreamObserver<Message> responses) -> {
            var out = (ServerCallStreamObserver<R>) (ServerCallStreamObserver<?>) responses;
            Incoming<Q> incoming;
            try {
              incoming = method.open(out, metadata());
            } catch (RuntimeException thrown) {
              out.onError(statusOf(name, thrown).asRuntimeException());
              incoming = ignoring();
            }
            Incoming<Q> opened = incoming;
            // Also keeps grpc-java from throwing at a late write to a cancelled call (it drops it).
            out.setOnCancelHandler(() -> opened.onEnd(true));
            return new StreamObserver<Decoded>() {
              @Override
              public void onNext(Decoded decoded) {
                if (decoded.problem() != null) {
                  opened.onUndecodable(decoded.problem());
                } else {
                  opened.onMessage((Q) decoded.message());
                }
              }

              @Override
              public void onError(Throwable cancelled) {
                // Only a cancel, which the cancel handler reported.
              }

              @Override
              public void onCompleted() {
                opened.onEnd(false);
              }
            };
          })));
      return this;
    }

    ServerServiceDefinition build() {
      for (Descriptors.MethodDescriptor method : service.getMethods()) {
        String name = MethodDescriptor.generateFullMethodName(service.getFullName(), method.getName());
        if (bound.stream().noneMatch(b -> b.method().getFullMethodName().equals(name))) {
          throw new IllegalStateException(name + " is not bound");
        }
      }
      // The file descriptor lets server reflection (grpcurl) describe the service.
      ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getFullName())
          .setSchemaDescriptor((ProtoFileDescriptorSupplier) service::getFile);
      bound.forEach(b -> descriptor.addMethod(b.method()));
      ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
      bound.forEach(b -> definition.addMethod(b.method(), b.handler()));
      return definition.build();
    }

    private MethodDescriptor<Decoded, Message> descriptor(String name, MethodDescriptor.MethodType type,
        Message request, Message response) {
      if (service.findMethodByName(name) == null) {
        throw new IllegalArgumentException(service.getFullName() + " has no method " + name);
      }
      return MethodDescriptor.<Decoded, Message>newBuilder()
          .setType(type)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(service.getFullName(), name))
          .setRequestMarshaller(new DecodingMarshaller(request))
          .setResponseMarshaller(ProtoUtils.marshaller(response))
          .build();
    }
  }

  /** A failure's status; one that is our bug (INTERNAL) is logged here, since the caller learns nothing of it. */
  public static Status statusOf(String method, Throwable failure) {
    if (GrpcErrors.databaseUnavailable(failure)) {
      // One line, no trace: in an outage every read says so. A Cassandra that never answers (wrong
      // datacenter or credentials) shows here too, beside /ready saying no.
      log.warn("{} answered UNAVAILABLE: Cassandra did not answer: {}", method, GrpcErrors.message(failure));
      return GrpcErrors.databaseUnavailable(method);
    }
    Status status = GrpcFailures.statusOf(failure);
    if (status.getCode() == Status.Code.INTERNAL) {
      log.error("{} failed unexpectedly; answered INTERNAL", method, failure);
    }
    return status;
  }

  private record Bound(MethodDescriptor<Decoded, Message> method, ServerCallHandler<Decoded, Message> handler) {}

  private static Metadata metadata() {
    io.grpc.Metadata headers = HEADERS.get();
    return new JavaMetadataImpl(new GrpcMetadataImpl(headers != null ? headers : new io.grpc.Metadata()));
  }

  /** No headers: for a call whose caller is known already (the dashboard's session). */
  public static Metadata noMetadata() {
    return new JavaMetadataImpl(new GrpcMetadataImpl(new io.grpc.Metadata()));
  }

  /** A request as it came off the wire: the message, or why it is none. */
  private record Decoded(Message message, InvalidProtocolBufferException problem) {}

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

  private static Message defaultInstance(Class<? extends Message> type) {
    try {
      return (Message) type.getMethod("getDefaultInstance").invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(type + " is not a generated protobuf message", e);
    }
  }
}
