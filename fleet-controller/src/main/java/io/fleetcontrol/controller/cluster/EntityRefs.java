package io.fleetcontrol.controller.cluster;

import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Where the controller's commands to entities go: their shards in production; in unit tests,
 * probes behind Pekko's {@code TestEntityRef}, so facades and the rollout runner run without a
 * cluster or a journal.
 */
public interface EntityRefs {

  EntityRef<DeviceCommand> device(String deviceId);

  EntityRef<PolicyCatalog.Command> catalog();

  EntityRef<PolicyRollouts.Command> rollouts(String policyName);

  static EntityRefs sharded(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return new EntityRefs() {
      @Override
      public EntityRef<DeviceCommand> device(String deviceId) {
        return sharding.entityRefFor(DeviceEntity.ENTITY_KEY, deviceId);
      }

      @Override
      public EntityRef<PolicyCatalog.Command> catalog() {
        return PolicyCatalog.ref(system);
      }

      @Override
      public EntityRef<PolicyRollouts.Command> rollouts(String policyName) {
        return PolicyRollouts.ref(system, policyName);
      }
    };
  }
}
