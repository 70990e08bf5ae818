package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.controller.agent.AgentEnrollment;
import io.fleetcontrol.controller.agent.AgentStreams;
import io.fleetcontrol.controller.security.AgentAuth;
import io.fleetcontrol.proto.v1.AgentService;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.EnrollResponse;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/**
 * Agents' edge: enrollment ({@link AgentEnrollment}) and the one long-lived stream per device
 * ({@link AgentStreams}). Every call after Enroll is authenticated by its metadata ({@link
 * AgentAuth}), and a stream speaks for the device its credential names, no other.
 */
public final class AgentServiceImpl {

  private final AgentEnrollment enrollment;
  private final AgentStreams streams;

  public AgentServiceImpl(AgentEnrollment enrollment, AgentStreams streams) {
    this.enrollment = enrollment;
    this.streams = streams;
  }

  /** The service as ControllerServer serves it. */
  ServerServiceDefinition definition() {
    return ServiceBinding.service(ControllerServer.service(AgentService.description))
        .unary("Enroll", EnrollRequest.getDefaultInstance(), EnrollResponse.getDefaultInstance(), this::enroll)
        .stream("Connect", ConnectRequest.getDefaultInstance(), ConnectResponse.getDefaultInstance(), this::connect)
        .build();
  }

  /** A new device with an enrollment token, or a re-key with the device's current credential. */
  CompletionStage<EnrollResponse> enroll(EnrollRequest in, Metadata metadata) {
    return enrollment.enroll(in, peer(metadata), AgentAuth.bearer(metadata));
  }

  ServiceBinding.Incoming<ConnectRequest> connect(ServerCallStreamObserver<ConnectResponse> out, Metadata metadata) {
    String deviceId;
    try {
      deviceId = AgentAuth.authenticatedDeviceId(metadata);
    } catch (GrpcServiceException e) {
      out.onError(e.getStatus().asRuntimeException());
      return ServiceBinding.ignoring();
    }
    return streams.connect(out, deviceId, AgentAuth.bearer(metadata).orElseThrow());
  }

  /** The caller's address, as ControllerServer stamped it on the request (clients cannot set it). */
  static String peer(Metadata metadata) {
    return metadata.getText(ControllerServer.PEER_HEADER).orElse("unknown");
  }
}
