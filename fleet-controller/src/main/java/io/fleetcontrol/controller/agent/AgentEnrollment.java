package io.fleetcontrol.controller.agent;

import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.RateLimit;
import io.fleetcontrol.controller.metrics.FleetMetrics;
import io.fleetcontrol.controller.readside.AuditStore;
import io.fleetcontrol.controller.security.SignedSecrets;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceCredential;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.EnrollOutcome;
import io.fleetcontrol.enrollment.EnrollmentToken;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.EnrollResponse;
import io.fleetcontrol.refusal.Refusal;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.grpc.GrpcServiceException;

/**
 * Enrollment at the agents' edge: a new device with an enrollment token, or a re-key with the
 * device's current credential. Callers are limited per address before anything is read; the
 * device entity decides, and what it refuses is audited here (nothing was journaled).
 */
public final class AgentEnrollment {

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final SignedSecrets credentials;
  private final TokenSpends tokenSpends;
  private final AuditStore audit;
  private final String initialPolicyName;
  private final Duration askTimeout;
  private final Clock clock;
  private final RateLimit.PerKey enrollsPerAddress;
  private final FleetMetrics metrics;

  public AgentEnrollment(ActorSystem<?> system, SignedSecrets credentials, AuditStore audit, String initialPolicyName,
      Duration askTimeout, AgentLimits limits, Clock clock, FleetMetrics metrics) {
    this.system = system;
    this.metrics = metrics;
    this.sharding = ClusterSharding.get(system);
    this.credentials = credentials;
    this.tokenSpends = new TokenSpends(system, askTimeout);
    this.audit = audit;
    this.initialPolicyName = initialPolicyName;
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.enrollsPerAddress = new RateLimit.PerKey(limits.enrollPerAddress(), limits.enrollAddresses(), System::nanoTime);
  }

  /**
   * Token enrollment: the token's MAC is checked here, its use is spent by its entity (exactly, and
   * once per enrollment id), then the device entity decides; a use this call spent on an enrollment
   * the device refused goes back to the token.
   * Re-key: the call carries the device's current credential instead, and no token is spent.
   */
  public CompletionStage<EnrollResponse> enroll(EnrollRequest in, String peer, Optional<String> presented) {
    return attempt(in, peer, presented).whenComplete((enrolled, failure) -> metrics.enrollment(outcome(failure)));
  }

  private static FleetMetrics.EnrollmentOutcome outcome(Throwable failure) {
    if (failure == null) {
      return FleetMetrics.EnrollmentOutcome.ENROLLED;
    }
    return GrpcErrors.cause(failure) instanceof GrpcServiceException g && g.getStatus().getCode() == Status.Code.UNAVAILABLE
        ? FleetMetrics.EnrollmentOutcome.UNAVAILABLE : FleetMetrics.EnrollmentOutcome.REFUSED;
  }

  private CompletionStage<EnrollResponse> attempt(EnrollRequest in, String peer, Optional<String> presented) {
    try {
      limitEnrollsFrom(peer);
      String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
      String enrollmentId = InputRules.enrollmentId(in.getEnrollmentId());
      String enrollmentIdHash = DeviceCredential.hashSecret(enrollmentId);
      String nonce = credentials.nonceFor(deviceId, enrollmentId);
      DeviceIdentity declared =
          new DeviceIdentity(
              deviceId,
              InputRules.owner(in.getOwner()),
              InputRules.jurisdiction(in.getJurisdiction()),
              InputRules.labels(in.getLabelsMap()),
              InputRules.agentVersion(in.getAgentVersion()),
              InputRules.timeZone(in.getTimeZone()));
      if (presented.isPresent()) {
        String presentedNonce = credentials.nonceOf(deviceId, presented.get()).orElseThrow(() -> new GrpcServiceException(
            Status.UNAUTHENTICATED.withDescription("the credential presented for a re-key of " + deviceId + " is not valid")));
        return enrollDevice(declared, enrollmentIdHash, nonce, DeviceCredential.hashSecret(presentedNonce), null, peer);
      }
      String tokenId = tokenIdOf(in.getEnrollmentToken());
      return tokenSpends
          .spend(tokenId, new EnrollmentToken.SpendRequest(
              DeviceCredential.hashSecret(in.getEnrollmentToken()), deviceId, enrollmentIdHash))
          .exceptionally(failure -> {
            throw GrpcErrors.fromAsk("enroll " + deviceId, failure);
          })
          .thenCompose(outcome -> {
            if (outcome instanceof EnrollmentToken.Refused refused) {
              throw tokenRefused(tokenId, refused.reason());
            }
            var granted = (EnrollmentToken.Granted) outcome;
            CompletionStage<EnrollResponse> enrolling;
            try {
              enrolling = enrollDevice(withTokenTerms(declared, granted), enrollmentIdHash, nonce, null, tokenId,
                  peer);
            } catch (GrpcServiceException tooManyLabels) {
              enrolling = CompletableFuture.failedFuture(tooManyLabels);
            }
            return enrolling
                .whenComplete((enrolled, refused) -> {
                  // Only a use this call spent goes back, and only on a refusal (not on a timeout,
                  // after which the enrollment may still land); a use paid earlier stays spent.
                  if (refused != null && granted.newSpend() && GrpcErrors.cause(refused) instanceof GrpcServiceException g
                      && g.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    EnrollmentToken.ref(system, tokenId).tell(new EnrollmentToken.Refund(deviceId, enrollmentIdHash));
                  }
                });
          });
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** {@code nonce}: the new credential's, derived from the enrollment id; the entity sees hashes only. */
  private CompletionStage<EnrollResponse> enrollDevice(DeviceIdentity identity, String enrollmentIdHash, String nonce,
      String presentedCredentialHash, String tokenId, String peer) {
    String deviceId = identity.deviceId();
    String credentialHash = DeviceCredential.hashSecret(nonce);
    return initialPolicy()
        .thenCompose(policy -> entity(deviceId).<EnrollOutcome>askWithStatus(
            replyTo -> new DeviceCommand.Enroll(identity, enrollmentIdHash, credentialHash, presentedCredentialHash,
                tokenId, policy, replyTo),
            askTimeout))
        .handle((outcome, failure) -> {
          if (failure != null) {
            throw GrpcErrors.fromAsk("enroll " + deviceId, failure);
          }
          if (outcome instanceof EnrollOutcome.Enrolled) {
            return EnrollResponse.newBuilder()
                .setDeviceId(deviceId)
                .setDeviceCredential(credentials.credential(deviceId, nonce))
                .build();
          }
          audit.recordRefusedEnrollment(deviceId, peer, tokenId, outcome, clock.instant());
          if (outcome instanceof EnrollOutcome.Revoked) {
            throw new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription("device " + deviceId
                + " was revoked by an admin; it enrolls again only after fleetctl devices reset " + deviceId));
          }
          if (outcome instanceof EnrollOutcome.Retired) {
            throw new GrpcServiceException(Status.FAILED_PRECONDITION.withDescription("this enrollment of device "
                + deviceId + " was reset by an admin; only a new enrollment (a reinstalled agent) takes the id"));
          }
          throw new GrpcServiceException(Status.ALREADY_EXISTS.withDescription("device " + deviceId
              + " is enrolled already by another agent; if this laptop replaces it, an admin runs "
              + "fleetctl devices reset " + deviceId));
        });
  }

  /** Labels from the token win over what the laptop says; so does the token's jurisdiction. */
  private static DeviceIdentity withTokenTerms(DeviceIdentity declared, EnrollmentToken.Granted granted) {
    Map<String, String> labels = new java.util.TreeMap<>(declared.labels());
    labels.putAll(granted.labels());
    labels = InputRules.labels(labels);
    String jurisdiction = granted.jurisdiction() == null || granted.jurisdiction().isEmpty()
        ? declared.jurisdiction() : granted.jurisdiction();
    return new DeviceIdentity(declared.deviceId(), declared.owner(), jurisdiction, labels,
        declared.agentVersion(), declared.timeZone());
  }

  /** The token id, if the token is one this deployment issued; checked before any entity is asked. */
  private String tokenIdOf(String token) {
    if (token.isEmpty()) {
      throw new GrpcServiceException(Status.UNAUTHENTICATED.withDescription(
          "enrollment_token is required (or the device's current credential, for a re-key)"));
    }
    return credentials.tokenIdOf(token).orElseThrow(() ->
        new GrpcServiceException(Status.UNAUTHENTICATED.withDescription("enrollment_token is not valid")));
  }

  private static GrpcServiceException tokenRefused(String tokenId, EnrollmentToken.Reason reason) {
    return switch (reason) {
      case UNKNOWN -> new GrpcServiceException(Status.UNAUTHENTICATED.withDescription("enrollment_token is not valid"));
      case EXPIRED -> new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(
          "enrollment token " + tokenId + " has expired; ask an admin for a new one"));
      case REVOKED -> new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(
          "enrollment token " + tokenId + " was revoked; ask an admin for a new one"));
      case USED_UP -> new GrpcServiceException(Status.PERMISSION_DENIED.withDescription(
          "enrollment token " + tokenId + " has no uses left; ask an admin for a new one"));
    };
  }

  /** Before anything else is read or checked: a caller cycling through ids or tokens is slowed here. */
  private void limitEnrollsFrom(String peer) {
    String address = RateLimit.addressOf(peer);
    if (!enrollsPerAddress.tryTake(address)) {
      throw new GrpcServiceException(Status.RESOURCE_EXHAUSTED.withDescription("too many Enroll calls from "
          + address + ": at most " + enrollsPerAddress.limit().words() + " per address (fleet.limits.enroll-per-address);"
          + " try again in " + Math.max(1, enrollsPerAddress.nextIn(address).toSeconds()) + " s"));
    }
  }

  /** The latest version of the default policy; none (NO_POLICY) if ops removed it from config. */
  private CompletionStage<Policy> initialPolicy() {
    return PolicyCatalog.ref(system)
        .<Policy>askWithStatus(replyTo -> new PolicyCatalog.GetPolicy(initialPolicyName, 0, replyTo), askTimeout)
        .exceptionally(failure -> {
          if (Refusal.of(failure).filter(Refusal.NotFound.class::isInstance).isPresent()) {
            return null;
          }
          throw GrpcErrors.fromAsk("enroll", failure);
        });
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<DeviceCommand> entity(String deviceId) {
    return sharding.entityRefFor(DeviceEntity.ENTITY_KEY, deviceId);
  }
}
