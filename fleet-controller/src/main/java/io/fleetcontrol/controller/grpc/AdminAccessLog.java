package io.fleetcontrol.controller.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per admin call, when it ends: the method, the caller's name (once its token was
 * checked; "-" when it never was) and the status. Key-value pairs too, for the JSON log format.
 */
final class AdminAccessLog implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(AdminAccessLog.class);
  private static final Context.Key<AtomicReference<String>> CALLER = Context.key("fleet-admin-caller");

  /** Names the caller of the admin call running on this thread (see AdminServiceImpl). */
  static void identify(String caller) {
    AtomicReference<String> holder = CALLER.get();
    if (holder != null) {
      holder.set(caller);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    AtomicReference<String> caller = new AtomicReference<>("-");
    String method = call.getMethodDescriptor().getBareMethodName();
    ServerCall<Q, R> logged = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        log.atInfo()
            .addKeyValue("method", method)
            .addKeyValue("caller", caller.get())
            .addKeyValue("status", status.getCode().name())
            .log("admin {} by {}: {}", method, caller.get(), status.getCode());
        super.close(status, trailers);
      }
    };
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), logged, headers, next);
  }
}
