package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s checked offline: every document is well-formed Kubernetes, the pieces refer to each
 * other correctly (labels, ports, service account, config keys), and every setting the manifests
 * pass to the controller is a setting the controller actually has. deploy/cluster.sh parses.
 */
class DeployManifestsTest {

  private static final Path K8S = LocalCassandra.findRepoRoot().resolve("deploy/k8s");
  private static final Map<String, JsonNode> byKindAndName = new HashMap<>();
  private static final List<JsonNode> documents = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    YAMLMapper yaml = new YAMLMapper();
    try (Stream<Path> files = Files.list(K8S)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (var docs = yaml.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
          while (docs.hasNext()) {
            JsonNode doc = docs.next();
            if (doc != null && !doc.isNull() && !doc.isEmpty()) {
              documents.add(doc);
              byKindAndName.put(doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText(), doc);
            }
          }
        }
      }
    }
  }

  @Test
  void everyDocumentIsAKubernetesObjectInTheFleetNamespace() {
    assertTrue(documents.size() >= 8, "documents: " + documents.size());
    for (JsonNode doc : documents) {
      String where = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
      assertFalse(doc.path("apiVersion").asText().isEmpty(), where + " has no apiVersion");
      assertFalse(doc.path("kind").asText().isEmpty(), where + " has no kind");
      assertTrue(doc.path("metadata").path("name").asText().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), where);
      if (!doc.path("kind").asText().equals("Namespace")) {
        assertEquals("fleet", doc.path("metadata").path("namespace").asText(), where + " namespace");
      }
    }
    assertNotNull(byKindAndName.get("Namespace/fleet"));
  }

  @Test
  void theDeploymentServiceAndRbacFitTogether() {
    JsonNode deployment = required("Deployment/fleet-controller");
    JsonNode spec = deployment.path("spec");
    JsonNode podLabels = spec.path("template").path("metadata").path("labels");
    spec.path("selector").path("matchLabels").fields().forEachRemaining(label ->
        assertEquals(label.getValue(), podLabels.path(label.getKey()), "selector label " + label.getKey()));
    required("Service/fleet-controller").path("spec").path("selector").fields().forEachRemaining(label ->
        assertEquals(label.getValue(), podLabels.path(label.getKey()), "service selector " + label.getKey()));
    assertEquals(3, spec.path("replicas").asInt(), "three nodes: keep-majority survives one loss");

    JsonNode pod = spec.path("template").path("spec");
    String account = pod.path("serviceAccountName").asText();
    assertNotNull(byKindAndName.get("ServiceAccount/" + account), "service account " + account);
    JsonNode binding = required("RoleBinding/fleet-controller-pod-reader");
    assertEquals(account, binding.path("subjects").get(0).path("name").asText());
    JsonNode role = required("Role/" + binding.path("roleRef").path("name").asText());
    JsonNode rule = role.path("rules").get(0);
    assertEquals("pods", rule.path("resources").get(0).asText());
    List<String> verbs = new ArrayList<>();
    rule.path("verbs").forEach(v -> verbs.add(v.asText()));
    assertTrue(verbs.containsAll(List.of("get", "watch", "list")), verbs.toString());

    JsonNode container = pod.path("containers").get(0);
    Map<String, Integer> ports = new HashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    Map<String, JsonNode> env = new HashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    assertEquals(ports.get("grpc"), Integer.valueOf(env.get("FLEET_GRPC_PORT").path("value").asText()));
    assertEquals(ports.get("management"), Integer.valueOf(env.get("FLEET_MANAGEMENT_PORT").path("value").asText()));
    assertEquals(ports.get("remoting"), Integer.valueOf(env.get("FLEET_REMOTE_PORT").path("value").asText()));
    assertEquals("true", env.get("FLEET_CLUSTER_BOOTSTRAP").path("value").asText());
    assertEquals("/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
    assertEquals("/alive", container.path("livenessProbe").path("httpGet").path("path").asText());
    assertEquals("management", container.path("readinessProbe").path("httpGet").path("port").asText());
    assertFalse(container.path("resources").path("requests").path("cpu").asText().isEmpty(), "cpu request");
    assertFalse(container.path("resources").path("requests").path("memory").asText().isEmpty(), "memory request");
    assertEquals("grpc", required("Service/fleet-controller").path("spec").path("ports").get(0).path("targetPort").asText());

    JsonNode configRef = env.get("JAVA_TOOL_OPTIONS").path("valueFrom").path("configMapKeyRef");
    assertTrue(required("ConfigMap/" + configRef.path("name").asText()).path("data").has(configRef.path("key").asText()));
    JsonNode secretRef = env.get("FLEET_PAGE_TOKEN_SECRET").path("valueFrom").path("secretKeyRef");
    assertTrue(required("Secret/" + secretRef.path("name").asText()).path("stringData").has(secretRef.path("key").asText()));
  }

  @Test
  void everySettingPassedToTheControllerExistsAndSaysWhatTheCommentSays() {
    String options = required("ConfigMap/fleet-controller").path("data").path("java-tool-options").asText();
    Config controller = ConfigFactory.load();
    Map<String, String> settings = new HashMap<>();
    for (String option : options.trim().split("\\s+")) {
      assertTrue(option.startsWith("-D") && option.contains("="), option);
      String key = option.substring(2, option.indexOf('='));
      settings.put(key, option.substring(option.indexOf('=') + 1));
      // Contact points are a list the driver's reference leaves empty; everything else must exist.
      if (!key.startsWith("datastax-java-driver.basic.contact-points.")) {
        assertTrue(controller.hasPath(key), "the controller has no setting " + key);
      }
    }
    assertEquals("3", settings.get("pekko.persistence.cassandra.journal.replication-factor"));
    assertEquals("3", settings.get("fleet.read-side.replication-factor"));
    assertEquals("LOCAL_QUORUM",
        settings.get("datastax-java-driver.profiles.pekko-persistence-cassandra-profile.basic.request.consistency"));
    assertEquals("kubernetes-api",
        settings.get("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    String selector = settings.get("pekko.discovery.kubernetes-api.pod-label-selector")
        .replace("%s", settings.get("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"));
    String[] label = selector.split("=");
    assertEquals(label[1], required("Deployment/fleet-controller").path("spec").path("template").path("metadata")
        .path("labels").path(label[0]).asText(), "bootstrap finds the pods by their label");
  }

  @Test
  void theLocalClusterScriptParses() throws Exception {
    Process bash = new ProcessBuilder("bash", "-n", LocalCassandra.findRepoRoot().resolve("deploy/cluster.sh").toString())
        .redirectErrorStream(true).start();
    String out = new String(bash.getInputStream().readAllBytes());
    assertEquals(0, bash.waitFor(), out);
  }

  private static JsonNode required(String kindAndName) {
    JsonNode doc = byKindAndName.get(kindAndName);
    assertNotNull(doc, kindAndName + " is missing from deploy/k8s");
    return doc;
  }
}
