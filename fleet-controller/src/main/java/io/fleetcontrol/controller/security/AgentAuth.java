package io.fleetcontrol.controller.security;

import io.fleetcontrol.controller.grpc.InputRules;
import io.grpc.Status;
import java.util.Optional;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/** Who an agent's call speaks for, from its metadata: the device id header and the bearer credential. */
public final class AgentAuth {

  public static final String DEVICE_ID_HEADER = "x-fleet-device-id";

  private AgentAuth() {}

  /**
   * The device a call speaks for. The credential names its device, so a credential presented for
   * another device's id is caught here, before any entity is asked.
   */
  public static String authenticatedDeviceId(Metadata metadata) {
    String claimed =
        metadata
            .getText(DEVICE_ID_HEADER)
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription(
                            "metadata " + DEVICE_ID_HEADER + " is required")));
    InputRules.deviceId(DEVICE_ID_HEADER, claimed);
    String credential =
        bearer(metadata)
            .orElseThrow(
                () ->
                    new GrpcServiceException(
                        Status.UNAUTHENTICATED.withDescription(
                            "metadata authorization: Bearer <device credential> is required")));
    String named = SignedSecrets.deviceIdOf(credential).orElseThrow(() -> new GrpcServiceException(
        Status.UNAUTHENTICATED.withDescription("the device credential is malformed")));
    if (!named.equals(claimed)) {
      throw new GrpcServiceException(
          Status.PERMISSION_DENIED.withDescription(
              "the credential belongs to another device than " + claimed));
    }
    return claimed;
  }

  public static Optional<String> bearer(Metadata metadata) {
    return metadata
        .getText("authorization")
        .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(value -> value.substring(7).trim())
        .filter(value -> !value.isEmpty());
  }
}
