package io.fleetcontrol.controller.grpc;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits at most {@code max} connections (past TLS and the HTTP/2 preface) to make calls. A
 * connection beyond it stays open but has its calls refused UNAVAILABLE, so its agent tries again
 * later or on another node; it is admitted at a later call once an admitted one has closed. The
 * connections admitted carry on whatever happens past the cap. grpc-java cannot refuse a socket
 * itself: a flood of bare connections is for a limit in front of the nodes (README).
 */
final class ConnectionAdmission extends ServerTransportFilter implements ServerInterceptor {
  private static final Attributes.Key<AtomicBoolean> ADMITTED = Attributes.Key.create("fleet-connection-admitted");
  private final int max;
  private final AtomicInteger admitted = new AtomicInteger();

  ConnectionAdmission(int max) {
    this.max = max;
  }

  @Override
  public Attributes transportReady(Attributes attributes) {
    AtomicBoolean admission = new AtomicBoolean();
    tryAdmit(admission);
    return attributes.toBuilder().set(ADMITTED, admission).build();
  }

  /** {@code attributes} is null for a connection that closed before it was ready (mid-TLS, say): never admitted. */
  @Override
  public void transportTerminated(Attributes attributes) {
    if (attributes == null) {
      return;
    }
    AtomicBoolean admission = attributes.get(ADMITTED);
    if (admission != null && admission.getAndSet(false)) {
      admitted.decrementAndGet();
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!admitted(call.getAttributes())) {
      call.close(Status.UNAVAILABLE.withDescription("this node serves its maximum of " + max + " connections "
          + "(fleet.grpc.connections.max-connections, FLEET_MAX_CONNECTIONS); try again later or another node"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  /** Whether calls on this connection are served: admitted now, or admitted at this call. */
  boolean admitted(Attributes connection) {
    AtomicBoolean admission = connection.get(ADMITTED);
    return admission == null || admission.get() || tryAdmit(admission);
  }

  private boolean tryAdmit(AtomicBoolean admission) {
    if (admitted.incrementAndGet() <= max && admission.compareAndSet(false, true)) {
      return true;
    }
    admitted.decrementAndGet();
    return admission.get();
  }
}
