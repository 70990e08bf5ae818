package io.fleetcontrol.controller.grpc;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Whether this node's gRPC port takes calls: from the moment it is bound until the start of the
 * shutdown. {@code /ready} includes it ({@link Check}), so a load balancer never sends agents to a
 * node that answers /ready while its port still refuses connections (the schema, the cluster join
 * and the entities come first at start).
 */
public final class GrpcServing implements Extension {

  public static final ExtensionId<GrpcServing> ID = new ExtensionId<>() {
    @Override
    public GrpcServing createExtension(ActorSystem<?> system) {
      return new GrpcServing();
    }
  };

  private final AtomicBoolean serving = new AtomicBoolean();

  private GrpcServing() {}

  public static GrpcServing get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  void bound() {
    serving.set(true);
  }

  void unbinding() {
    serving.set(false);
  }

  public boolean serving() {
    return serving.get();
  }

  /** The readiness check ({@code pekko.management.health-checks.readiness-checks.grpc}). */
  public static final class Check implements Supplier<CompletionStage<Boolean>> {
    private final GrpcServing serving;

    public Check(org.apache.pekko.actor.ActorSystem system) {
      this.serving = GrpcServing.get(Adapter.toTyped(system));
    }

    @Override
    public CompletionStage<Boolean> get() {
      return CompletableFuture.completedFuture(serving.serving());
    }
  }
}
