package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.controller.agent.AgentEnrollment;
import io.fleetcontrol.controller.agent.AgentStreams;
import io.fleetcontrol.controller.security.AgentAuth;
import io.fleetcontrol.proto.v1.AgentServicePowerApi;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.EnrollResponse;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Agents' edge: enrollment ({@link AgentEnrollment}) and the one long-lived stream per device
 * ({@link AgentStreams}). Every call after Enroll is authenticated by its metadata ({@link
 * AgentAuth}), and a stream speaks for the device its credential names, no other.
 */
public final class AgentServiceImpl implements AgentServicePowerApi {

  private final AgentEnrollment enrollment;
  private final AgentStreams streams;

  public AgentServiceImpl(AgentEnrollment enrollment, AgentStreams streams) {
    this.enrollment = enrollment;
    this.streams = streams;
  }

  /** A new device with an enrollment token, or a re-key with the device's current credential. */
  @Override
  public CompletionStage<EnrollResponse> enroll(EnrollRequest in, Metadata metadata) {
    return enrollment.enroll(in, peer(metadata), AgentAuth.bearer(metadata));
  }

  @Override
  public Source<ConnectResponse, NotUsed> connect(Source<ConnectRequest, NotUsed> in, Metadata metadata) {
    String deviceId;
    try {
      deviceId = AgentAuth.authenticatedDeviceId(metadata);
    } catch (GrpcServiceException e) {
      return Source.failed(e);
    }
    return streams.connect(in, deviceId, AgentAuth.bearer(metadata).orElseThrow());
  }

  /** The caller's address, as ControllerServer stamped it on the request (clients cannot set it). */
  static String peer(Metadata metadata) {
    return metadata.getText(ControllerServer.PEER_HEADER).orElse("unknown");
  }
}
