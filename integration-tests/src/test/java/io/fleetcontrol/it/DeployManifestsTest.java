package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * deploy/k8s checked offline: every document is well-formed Kubernetes, the pieces refer to each
 * other correctly (labels, ports, service account, config keys, Secrets), every setting the
 * manifests pass to the controller is a setting the controller actually has, no manifest carries a
 * secret, and the controller's traffic is TLS. The deploy scripts parse; deploy/tls.sh makes
 * stores Java accepts.
 */
class DeployManifestsTest {

  private static final Path REPO = LocalCassandra.findRepoRoot();
  private static final Path K8S = REPO.resolve("deploy/k8s");
  private static final Path CONTROLLER_RESOURCES = REPO.resolve("fleet-controller/src/main/resources");
  private static final Map<String, JsonNode> byKindAndName = new HashMap<>();
  private static final List<JsonNode> documents = new ArrayList<>();
  /** Secret name to its keys, as the kubectl commands in deploy/k8s/README.md create them. */
  private static Map<String, Set<String>> documentedSecrets;

  private static final Pattern CREATE_SECRET =
      Pattern.compile("kubectl -n fleet create secret (generic|tls) ([a-z0-9-]+)(.*)");
  private static final Pattern SECRET_KEY_FROM = Pattern.compile("--from-(?:file|literal)=([A-Za-z0-9._-]+)=");

  record SecretKey(String secret, String key) {}

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
    documentedSecrets = secretsCreatedBy(fencedLines(Files.readString(K8S.resolve("README.md"))));
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

    JsonNode container = controllerContainer();
    Map<String, Integer> ports = containerPorts(container);
    Map<String, JsonNode> env = envOf(container);
    assertEquals(ports.get("grpc"), Integer.valueOf(env.get("FLEET_GRPC_PORT").path("value").asText()));
    assertEquals(ports.get("management"), Integer.valueOf(env.get("FLEET_MANAGEMENT_PORT").path("value").asText()));
    assertEquals(ports.get("dashboard"), Integer.valueOf(env.get("FLEET_DASHBOARD_PORT").path("value").asText()));
    assertEquals(ports.get("remoting"), Integer.valueOf(env.get("FLEET_REMOTE_PORT").path("value").asText()));
    assertEquals("true", env.get("FLEET_CLUSTER_BOOTSTRAP").path("value").asText());
    assertEquals("/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
    assertEquals("/alive", container.path("livenessProbe").path("httpGet").path("path").asText());
    assertEquals("management", container.path("readinessProbe").path("httpGet").path("port").asText());
    assertFalse(container.path("resources").path("requests").path("cpu").asText().isEmpty(), "cpu request");
    assertFalse(container.path("resources").path("requests").path("memory").asText().isEmpty(), "memory request");
    assertEquals("grpc", required("Service/fleet-controller").path("spec").path("ports").get(0).path("targetPort").asText());
    assertEquals("dashboard", required("Service/fleet-controller").path("spec").path("ports").get(1).path("targetPort").asText());

    JsonNode configRef = env.get("JAVA_TOOL_OPTIONS").path("valueFrom").path("configMapKeyRef");
    assertTrue(required("ConfigMap/" + configRef.path("name").asText()).path("data").has(configRef.path("key").asText()));
    assertDocumented(secretKeyRef(env.get("FLEET_PAGE_TOKEN_SECRET")), "FLEET_PAGE_TOKEN_SECRET");
  }

  @Test
  void aDrainTakesAtMostAMinorityOfTheControllerPods() {
    JsonNode deployment = required("Deployment/fleet-controller").path("spec");
    JsonNode budget = required("PodDisruptionBudget/fleet-controller");
    assertEquals("policy/v1", budget.path("apiVersion").asText());
    JsonNode podLabels = deployment.path("template").path("metadata").path("labels");
    JsonNode selector = budget.path("spec").path("selector").path("matchLabels");
    assertFalse(selector.isEmpty(), "the budget selects pods by label");
    selector.fields().forEachRemaining(label ->
        assertEquals(label.getValue(), podLabels.path(label.getKey()), "budget selects controller pods: " + label.getKey()));
    int replicas = deployment.path("replicas").asInt();
    int down = budget.path("spec").path("maxUnavailable").asInt(-1);
    assertTrue(down >= 1, "a drain can make progress: maxUnavailable " + down);
    assertTrue(replicas - down > replicas / 2, "keep-majority keeps the cluster: " + (replicas - down) + " of " + replicas);
  }

  /**
   * The image is built with Jib in profile "image" of fleet-controller/pom.xml, which needs a registry for
   * its base image; what can go wrong without one is checked here: the plugin, the tag, the user, the JVM
   * flags, the main class, and that deploy/k8s runs exactly that image as that user.
   */
  @Test
  void theImageProfileBuildsTheControllerWithJibAndOnlyThere() throws Exception {
    Element jib = jibPlugin();
    assertEquals("3.5.2", text(jib, "version"), "jib-maven-plugin version");
    assertEquals("package", text(jib, "executions/execution/phase"), "mvn -Pimage package builds the image");
    assertEquals("${image.goal}", text(jib, "executions/execution/goals/goal"));
    assertEquals("build", text(imageProfile(), "properties/image.goal"), "by default the image is pushed");
    // The everyday build (and CI) must never try to reach a registry: Jib appears in no other place.
    Element profile = imageProfile();
    for (Node project : List.of(pom("pom.xml"), profile.getOwnerDocument().getDocumentElement())) {
      NodeList artifactIds = nodes(project, "//artifactId[normalize-space()='jib-maven-plugin']");
      for (int i = 0; i < artifactIds.getLength(); i++) {
        assertTrue(isInside(artifactIds.item(i), profile), "jib-maven-plugin outside profile \"image\"");
      }
    }
  }

  @Test
  void theImageIsTaggedWithTheProjectVersionAndTheDeploymentRunsThatTag() throws Exception {
    String version = text(pom("pom.xml"), "version");
    assertEquals(version, text(pom("fleet-controller/pom.xml"), "parent/version"), "the controller's version");
    String image = resolveProjectVersion(text(jibPlugin(), "configuration/to/image"), version);
    assertEquals("ghcr.io/fleetcontrol/fleet-controller:" + version, image, "Jib's to.image");
    assertEquals(version, resolveProjectVersion(
        text(jibPlugin(), "configuration/container/labels/org.opencontainers.image.version"), version));
    assertEquals(image, controllerContainer().path("image").asText(),
        "deploy/k8s/deployment.yaml runs another image than mvn -Pimage builds");
  }

  @Test
  void theImageRunsAsANonRootUserAndThePodRunsAsTheSameOne() throws Exception {
    String user = text(jibPlugin(), "configuration/container/user");
    Matcher uidGid = Pattern.compile("(\\d+):(\\d+)").matcher(user);
    assertTrue(uidGid.matches(), "a numeric uid:gid, which runAsNonRoot can check: " + user);
    int uid = Integer.parseInt(uidGid.group(1));
    assertTrue(uid != 0, "the image runs as root");
    JsonNode podSecurity = controllerPod().path("securityContext");
    assertTrue(podSecurity.path("runAsNonRoot").asBoolean(), "runAsNonRoot: the kubelet refuses a root image");
    assertEquals(uid, podSecurity.path("runAsUser").asInt(-1), "the pod's runAsUser against the image's uid");
    assertEquals(Integer.parseInt(uidGid.group(2)), podSecurity.path("runAsGroup").asInt(-1), "runAsGroup");
    JsonNode containerSecurity = controllerContainer().path("securityContext");
    assertFalse(containerSecurity.path("runAsUser").isInt() && containerSecurity.path("runAsUser").asInt() != uid,
        "the container overrides the pod's user");
    assertFalse(containerSecurity.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation");
  }

  @Test
  void theImageStartsTheControllerWithContainerJvmFlagsAndItsPorts() throws Exception {
    Element jib = jibPlugin();
    String mainClass = text(jib, "configuration/container/mainClass");
    assertEquals(text(pom("fleet-controller/pom.xml"), "build/plugins/plugin[artifactId='maven-jar-plugin']"
        + "/configuration/archive/manifest/mainClass"), mainClass, "the image and java -jar start the same class");
    Method main = Class.forName(mainClass).getMethod("main", String[].class);
    assertTrue(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()), mainClass + ".main");

    List<String> flags = new ArrayList<>();
    NodeList jvmFlags = nodes(jib, "configuration/container/jvmFlags/jvmFlag");
    for (int i = 0; i < jvmFlags.getLength(); i++) {
      flags.add(jvmFlags.item(i).getTextContent().strip());
    }
    Matcher heap = Pattern.compile("-XX:MaxRAMPercentage=(\\d+(\\.\\d+)?)").matcher(String.join(" ", flags));
    assertTrue(heap.find(), "the heap follows the pod's memory limit: " + flags);
    double percent = Double.parseDouble(heap.group(1));
    assertTrue(percent >= 50 && percent <= 80, "room for direct buffers and metaspace: MaxRAMPercentage=" + percent);
    assertTrue(flags.contains("-XX:+ExitOnOutOfMemoryError"), "an OOM ends the pod: " + flags);
    assertTrue(flags.containsAll(List.of(ScaleBenchmark.IMAGE_GC_FLAGS.split(" "))),
        "the scale benchmark weighs the controller with the image's collector flags: " + flags);
    // A command or args in the Deployment would replace the image's entrypoint, and its JVM flags with it.
    assertTrue(controllerContainer().path("command").isMissingNode(), "the Deployment overrides the entrypoint");
    assertTrue(controllerContainer().path("args").isMissingNode(), "the Deployment overrides the arguments");

    Set<Integer> exposed = new TreeSet<>();
    NodeList ports = nodes(jib, "configuration/container/ports/port");
    for (int i = 0; i < ports.getLength(); i++) {
      exposed.add(Integer.valueOf(ports.item(i).getTextContent().strip()));
    }
    assertEquals(new TreeSet<>(containerPorts(controllerContainer()).values()), exposed, "the image's ports");
  }

  @Test
  void theSchemaJobRunsTheControllersImageWithItsSettings() {
    JsonNode job = required("Job/fleet-schema").path("spec").path("template").path("spec");
    JsonNode pod = required("Deployment/fleet-controller").path("spec").path("template").path("spec");
    JsonNode schema = job.path("containers").get(0);
    JsonNode controller = controllerContainer();
    assertEquals(controller.path("image"), schema.path("image"), "the schema files ship in the controller's image");
    assertEquals(controller.path("command"), schema.path("command"));
    List<String> args = new ArrayList<>();
    schema.path("args").forEach(arg -> args.add(arg.asText()));
    assertEquals(List.of("schema", "apply"), args);
    assertEquals(envOf(controller).get("JAVA_TOOL_OPTIONS"), envOf(schema).get("JAVA_TOOL_OPTIONS"),
        "the same Cassandra, keyspaces and replication as the controllers");
    assertEquals(pod.path("securityContext"), job.path("securityContext"), "the same user as the controllers");
    assertEquals("OnFailure", job.path("restartPolicy").asText());
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
    // The schema Job reads the same options: three replicas in the datacenter the driver calls local.
    assertEquals(settings.get("datastax-java-driver.basic.load-balancing-policy.local-datacenter") + ":3",
        settings.get("fleet.schema.replication"));
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
  void everyVariableTheDeploymentSetsIsOneTheControllerReads() throws IOException {
    StringBuilder configuration = new StringBuilder();
    try (Stream<Path> files = Files.list(CONTROLLER_RESOURCES)) {
      for (Path conf : files.filter(f -> f.toString().endsWith(".conf")).toList()) {
        configuration.append(Files.readString(conf));
      }
    }
    for (String name : envOf(controllerContainer()).keySet()) {
      // The JVM reads this one itself.
      if (!name.equals("JAVA_TOOL_OPTIONS")) {
        assertTrue(configuration.indexOf("${?" + name + "}") >= 0,
            "the Deployment sets " + name + " but no ${?" + name + "} in the controller's configuration reads it");
      }
    }
  }

  @Test
  void clusterRemotingIsTlsWithACertificateOnBothSides() throws IOException {
    JsonNode container = controllerContainer();
    Map<String, JsonNode> env = envOf(container);
    assertEquals("tls-tcp", env.get("FLEET_REMOTE_TRANSPORT").path("value").asText());
    String keyStore = env.get("FLEET_REMOTE_KEYSTORE").path("value").asText();
    String trustStore = env.get("FLEET_REMOTE_TRUSTSTORE").path("value").asText();
    assertEquals(new SecretKey("fleet-remoting", "remoting.p12"), secretFileAt(container, keyStore), keyStore);
    assertEquals(new SecretKey("fleet-remoting", "truststore.p12"), secretFileAt(container, trustStore), trustStore);
    for (String password : List.of("FLEET_REMOTE_KEYSTORE_PASSWORD", "FLEET_REMOTE_TRUSTSTORE_PASSWORD")) {
      assertDocumented(secretKeyRef(env.get(password)), password);
    }

    // What the controller makes of those variables: cluster.conf resolved against them.
    String clusterConf = Files.readString(CONTROLLER_RESOURCES.resolve("cluster.conf"));
    assertTrue(clusterConf.contains("${?FLEET_REMOTE_TRANSPORT}"), "cluster.conf reads FLEET_REMOTE_TRANSPORT");
    Config artery = resolveAgainst(clusterConf, variablesOf(env)).getConfig("pekko.remote.artery");
    assertEquals("tls-tcp", artery.getString("transport"));
    Config ssl = artery.getConfig("ssl.config-ssl-engine");
    assertEquals(keyStore, ssl.getString("key-store"));
    assertEquals(trustStore, ssl.getString("trust-store"));
    assertEquals("secret fleet-remoting/keystore-password", ssl.getString("key-store-password"));
    assertEquals("secret fleet-remoting/keystore-password", ssl.getString("key-password"),
        "the key's password is its store's, as deploy/tls.sh makes them");
    assertEquals("secret fleet-remoting/truststore-password", ssl.getString("trust-store-password"));
    assertTrue(ssl.getBoolean("require-mutual-authentication"), "a node must check its peer's certificate too");
    assertEquals("TLSv1.3", ssl.getString("protocol"));
    // Pekko ignores a key it does not know, so a misspelt one would leave its default in force.
    Config pekkoReference = ConfigFactory.defaultReference();
    artery.entrySet().forEach(setting -> assertTrue(pekkoReference.hasPath("pekko.remote.artery." + setting.getKey()),
        "Pekko has no setting pekko.remote.artery." + setting.getKey()));

    Config local = resolveAgainst(clusterConf, Map.of()).getConfig("pekko.remote.artery");
    assertEquals("tcp", local.getString("transport"), "without the variables a local node keeps plain tcp");
    assertFalse(local.hasPath("ssl.config-ssl-engine.key-store"), "no key store unless one is given");
  }

  @Test
  void theNetworkPolicyOpensGrpcToAllAndClusterPortsOnlyToControllerPods() {
    JsonNode policy = required("NetworkPolicy/fleet-controller");
    assertEquals("networking.k8s.io/v1", policy.path("apiVersion").asText());
    JsonNode spec = policy.path("spec");
    JsonNode podLabels = required("Deployment/fleet-controller").path("spec").path("template").path("metadata").path("labels");
    JsonNode selected = spec.path("podSelector").path("matchLabels");
    assertFalse(selected.isEmpty(), "the policy selects pods by label, not every pod of the namespace");
    selected.fields().forEachRemaining(label ->
        assertEquals(label.getValue(), podLabels.path(label.getKey()), "policy selects controller pods: " + label.getKey()));
    List<String> types = new ArrayList<>();
    spec.path("policyTypes").forEach(t -> types.add(t.asText()));
    assertTrue(types.contains("Ingress"), types.toString());

    Map<String, Integer> ports = containerPorts(controllerContainer());
    Map<Integer, List<JsonNode>> sourcesByPort = new TreeMap<>();
    for (JsonNode rule : spec.path("ingress")) {
      assertFalse(rule.path("ports").isEmpty(), "a rule without ports opens every port: " + rule);
      for (JsonNode port : rule.path("ports")) {
        int number = port.path("port").isInt() ? port.path("port").asInt() : ports.getOrDefault(port.path("port").asText(), -1);
        assertTrue(ports.containsValue(number), "the policy names a port the controller does not have: " + port);
        sourcesByPort.computeIfAbsent(number, n -> new ArrayList<>()).add(rule.path("from"));
      }
    }

    assertTrue(sourcesByPort.getOrDefault(ports.get("grpc"), List.of()).stream().anyMatch(JsonNode::isEmpty),
        "agents and fleetctl reach gRPC from anywhere");
    for (String clusterPort : List.of("remoting", "management")) {
      List<JsonNode> sources = sourcesByPort.getOrDefault(ports.get(clusterPort), List.of());
      assertFalse(sources.isEmpty(), "the other controller pods must reach " + clusterPort + " or the cluster never forms");
      for (JsonNode from : sources) {
        assertFalse(from.isEmpty(), clusterPort + " is open to everyone");
        for (JsonNode peer : from) {
          assertTrue(peer.path("namespaceSelector").isMissingNode() && peer.path("ipBlock").isMissingNode(),
              clusterPort + " admits more than controller pods: " + peer);
          assertEquals("fleet-controller", peer.path("podSelector").path("matchLabels").path("app").asText(),
              clusterPort + " admits pods other than the controller's: " + peer);
        }
      }
    }
  }

  @Test
  void noManifestCarriesASecretOrADevSetting() throws IOException {
    Pattern devValue = Pattern.compile("\\bdev-[A-Za-z0-9-]+");
    try (Stream<Path> files = Files.list(K8S)) {
      for (Path file : files.toList()) {
        String text = Files.readString(file);
        Matcher dev = devValue.matcher(text);
        assertFalse(dev.find(), () -> file.getFileName() + " mentions " + dev.group());
        for (String placeholder : List.of("fleet-page-tokens", "change-me", "changeit")) {
          assertFalse(text.contains(placeholder), file.getFileName() + " holds the placeholder " + placeholder);
        }
      }
    }
    for (JsonNode doc : documents) {
      if (doc.path("kind").asText().equals("Secret")) {
        String name = doc.path("metadata").path("name").asText();
        assertTrue(doc.path("data").isEmpty() && doc.path("stringData").isEmpty(),
            "Secret/" + name + " holds values; create it with the README's commands instead");
      }
      for (JsonNode container : doc.path("spec").path("template").path("spec").path("containers")) {
        JsonNode devMode = envOf(container).get("FLEET_DEV_MODE");
        assertTrue(devMode == null || !devMode.path("value").asText().equalsIgnoreCase("true"),
            "dev mode in a manifest: " + devMode);
      }
    }

    JsonNode container = controllerContainer();
    Map<String, JsonNode> env = envOf(container);
    assertEquals(new SecretKey("fleet-controller-tls", "tls.crt"),
        secretFileAt(container, env.get("FLEET_TLS_CERT").path("value").asText()));
    assertEquals(new SecretKey("fleet-controller-tls", "tls.key"),
        secretFileAt(container, env.get("FLEET_TLS_KEY").path("value").asText()));
    assertEquals(new SecretKey("fleet-admin-tokens", "admin-tokens.conf"),
        secretFileAt(container, env.get("FLEET_ADMIN_TOKENS_FILE").path("value").asText()));
    assertEquals(new SecretKey("fleet-controller", "device-credential-key"), secretKeyRef(env.get("FLEET_DEVICE_CREDENTIAL_KEY")));
    assertEquals(new SecretKey("fleet-controller", "page-token-secret"), secretKeyRef(env.get("FLEET_PAGE_TOKEN_SECRET")));
    // Anything that sounds secret comes from a Secret, as a variable or as a file.
    for (Map.Entry<String, JsonNode> variable : env.entrySet()) {
      if (variable.getKey().matches(".*(SECRET|PASSWORD|TOKEN|CREDENTIAL|_KEY).*")) {
        SecretKey source = variable.getValue().has("value")
            ? secretFileAt(container, variable.getValue().path("value").asText())
            : secretKeyRef(variable.getValue());
        assertDocumented(source, variable.getKey());
      }
    }
  }

  @Test
  void theSecretsTheDeploymentUsesAreTheOnesTheDocumentedCommandsCreate() throws IOException {
    JsonNode container = controllerContainer();
    for (JsonNode variable : container.path("env")) {
      if (secretKeyRef(variable) != null) {
        assertDocumented(secretKeyRef(variable), variable.path("name").asText());
      }
    }
    for (JsonNode volume : controllerPod().path("volumes")) {
      JsonNode secret = volume.path("secret");
      if (!secret.isMissingNode()) {
        String name = secret.path("secretName").asText();
        assertTrue(documentedSecrets.containsKey(name), "volume " + volume.path("name").asText() + ": Secret " + name
            + " is created by no command in deploy/k8s/README.md");
        secret.path("items").forEach(item -> assertDocumented(new SecretKey(name, item.path("key").asText()), name));
      }
    }
    assertEquals(Set.of("tls.crt", "tls.key"), documentedSecrets.get("fleet-controller-tls"), "a kubernetes.io/tls Secret");

    // deployment.yaml repeats the commands in its header; the two copies must say the same.
    List<String> header = Files.readAllLines(K8S.resolve("deployment.yaml")).stream()
        .filter(line -> line.startsWith("#")).map(line -> line.substring(1)).toList();
    assertEquals(documentedSecrets, secretsCreatedBy(header), "deployment.yaml's commands against README.md's");
  }

  @Test
  void theDeployScriptsParse() throws Exception {
    for (String script : List.of("deploy/cluster.sh", "deploy/tls.sh")) {
      Process bash = new ProcessBuilder("bash", "-n", REPO.resolve(script).toString()).redirectErrorStream(true).start();
      String out = new String(bash.getInputStream().readAllBytes());
      assertEquals(0, bash.waitFor(), script + ": " + out);
    }
    assertTrue(Files.isExecutable(REPO.resolve("deploy/tls.sh")), "the README runs deploy/tls.sh directly");
  }

  @Test
  void tlsShMakesCertificatesAndStoresJavaAccepts(@TempDir Path dir) throws Exception {
    assumeTrue(onPath("openssl"), "openssl is not installed");
    Path tls = dir.resolve("tls");
    String made = runTlsSh(tls, "DNS:fleet.example.com,IP:10.0.0.5");
    assertTrue(made.contains("made"), made);
    assertEquals("tls.sh: using existing " + tls.toRealPath(), runTlsSh(tls, "").strip(), "a second run keeps the files");

    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    X509Certificate ca = certificate(x509, tls.resolve("ca.crt"));
    X509Certificate controller = certificate(x509, tls.resolve("controller.crt"));
    KeyStore trustStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(tls.resolve("truststore.p12"))) {
      trustStore.load(in, "changeit-dev".toCharArray());
    }
    assertEquals(ca, trustStore.getCertificate("fleet-dev-ca"), "the trust store holds the CA");
    PKIXParameters trustingTheCa = new PKIXParameters(trustStore);
    trustingTheCa.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(x509.generateCertPath(List.of(controller)), trustingTheCa);
    assertTrue(controller.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
    List<String> names = new ArrayList<>();
    controller.getSubjectAlternativeNames().forEach(name -> names.add(name.get(1).toString()));
    assertTrue(names.containsAll(List.of("localhost", "127.0.0.1", "fleet.example.com", "10.0.0.5")), names.toString());

    String key = Files.readString(tls.resolve("controller.key"));
    assertTrue(key.startsWith("-----BEGIN PRIVATE KEY-----"), "unencrypted PKCS#8");
    byte[] der = Base64.getMimeDecoder().decode(key.replaceAll("-----[A-Z ]+-----", ""));
    // tls.sh makes RSA keys; the key must match the certificate.
    RSAPrivateKey privateKey = (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    assertEquals(((RSAPublicKey) controller.getPublicKey()).getModulus(), privateKey.getModulus(),
        "controller.key belongs to controller.crt");

    KeyStore remoting = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(tls.resolve("remoting.p12"))) {
      remoting.load(in, "changeit-dev".toCharArray());
    }
    assertNotNull(remoting.getKey("remoting", "changeit-dev".toCharArray()), "the key opens with the store's password");
    X509Certificate node = (X509Certificate) remoting.getCertificate("remoting");
    CertPathValidator.getInstance("PKIX").validate(x509.generateCertPath(List.of(node)), trustingTheCa);
    assertTrue(node.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
        "a node is TLS server and client to the others: " + node.getExtendedKeyUsage());

    for (String secretFile : List.of("ca.key", "controller.key", "remoting.p12")) {
      assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(tls.resolve(secretFile)),
          secretFile + " is its owner's alone");
    }
  }

  private static String runTlsSh(Path dir, String extraSans) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", REPO.resolve("deploy/tls.sh").toString(), dir.toString())
        .redirectErrorStream(true);
    // keytool from the JDK running the tests, whatever PATH says.
    builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
    builder.environment().put("FLEET_TLS_SANS", extraSans);
    builder.environment().remove("FLEET_TLS_STORE_PASSWORD");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "deploy/tls.sh did not finish");
    assertEquals(0, process.exitValue(), out);
    return out;
  }

  private static boolean onPath(String command) {
    return Arrays.stream(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
  }

  private static X509Certificate certificate(CertificateFactory x509, Path pem) throws Exception {
    return (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
  }

  /** The Secrets, with their keys, that the kubectl commands among these shell lines create. */
  private static Map<String, Set<String>> secretsCreatedBy(List<String> shellLines) {
    Map<String, Set<String>> secrets = new TreeMap<>();
    StringBuilder command = new StringBuilder();
    for (String line : shellLines) {
      String part = line.strip();
      if (part.endsWith("\\")) {
        command.append(part, 0, part.length() - 1).append(' ');
        continue;
      }
      command.append(part);
      Matcher create = CREATE_SECRET.matcher(command.toString().strip());
      if (create.matches()) {
        Set<String> keys = new TreeSet<>();
        if (create.group(1).equals("tls")) {
          keys.addAll(List.of("tls.crt", "tls.key"));
        }
        Matcher key = SECRET_KEY_FROM.matcher(create.group(3));
        while (key.find()) {
          keys.add(key.group(1));
        }
        secrets.put(create.group(2), keys);
      }
      command.setLength(0);
    }
    return secrets;
  }

  private static List<String> fencedLines(String markdown) {
    List<String> lines = new ArrayList<>();
    boolean inFence = false;
    for (String line : markdown.split("\n")) {
      if (line.startsWith("```")) {
        inFence = !inFence;
      } else if (inFence) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static void assertDocumented(SecretKey secretKey, String usedBy) {
    assertNotNull(secretKey, usedBy + " does not come from a Secret");
    Set<String> keys = documentedSecrets.get(secretKey.secret());
    assertTrue(keys != null && keys.contains(secretKey.key()), usedBy + " reads " + secretKey
        + ", which no command in deploy/k8s/README.md creates (it creates " + documentedSecrets + ")");
  }

  private static SecretKey secretKeyRef(JsonNode variable) {
    JsonNode ref = variable == null ? null : variable.path("valueFrom").path("secretKeyRef");
    return ref == null || ref.isMissingNode() ? null : new SecretKey(ref.path("name").asText(), ref.path("key").asText());
  }

  /** The Secret key behind a file in the controller container, through a read-only Secret volume; null if none. */
  private static SecretKey secretFileAt(JsonNode container, String path) {
    for (JsonNode mount : container.path("volumeMounts")) {
      String dir = mount.path("mountPath").asText();
      if (!path.startsWith(dir + "/")) {
        continue;
      }
      assertTrue(mount.path("readOnly").asBoolean(), dir + " is mounted read-only");
      String file = path.substring(dir.length() + 1);
      for (JsonNode volume : controllerPod().path("volumes")) {
        JsonNode secret = volume.path("secret");
        if (!volume.path("name").asText().equals(mount.path("name").asText()) || secret.isMissingNode()) {
          continue;
        }
        String name = secret.path("secretName").asText();
        if (!secret.has("items")) {
          return new SecretKey(name, file);
        }
        for (JsonNode item : secret.path("items")) {
          if (item.path("path").asText().equals(file)) {
            return new SecretKey(name, item.path("key").asText());
          }
        }
      }
    }
    return null;
  }

  /** The container's variables as the controller would see them, a secret's value replaced by where it comes from. */
  private static Map<String, String> variablesOf(Map<String, JsonNode> env) {
    Map<String, String> variables = new HashMap<>();
    env.forEach((name, variable) -> {
      SecretKey secret = secretKeyRef(variable);
      variables.put(name, variable.has("value") ? variable.path("value").asText()
          : secret != null ? "secret " + secret.secret() + "/" + secret.key()
          : "from " + variable.path("valueFrom"));
    });
    return variables;
  }

  /**
   * HOCON text resolved with these variables standing in for the process environment: they become
   * root keys, which is where a substitution looks before the environment. (resolveWith would be
   * cleaner but fails on a key set twice, as "port = 25520, port = ${?FLEET_REMOTE_PORT}" is.)
   */
  private static Config resolveAgainst(String hocon, Map<String, String> variables) {
    return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseMap(variables))
        .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
  }

  private static Element pom(String path) throws Exception {
    // Not namespace-aware, so XPath can name POM elements without the POM namespace.
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(REPO.resolve(path).toFile()).getDocumentElement();
  }

  private static Element imageProfile() throws Exception {
    Node profile = (Node) XPathFactory.newInstance().newXPath()
        .evaluate("profiles/profile[id='image']", pom("fleet-controller/pom.xml"), XPathConstants.NODE);
    assertNotNull(profile, "fleet-controller/pom.xml has no profile \"image\"");
    return (Element) profile;
  }

  private static Element jibPlugin() throws Exception {
    Node plugin = (Node) XPathFactory.newInstance().newXPath().evaluate(
        "build/plugins/plugin[groupId='com.google.cloud.tools' and artifactId='jib-maven-plugin']",
        imageProfile(), XPathConstants.NODE);
    assertNotNull(plugin, "profile \"image\" has no jib-maven-plugin");
    return (Element) plugin;
  }

  private static String text(Node context, String xpath) throws Exception {
    Node node = (Node) XPathFactory.newInstance().newXPath().evaluate(xpath, context, XPathConstants.NODE);
    assertNotNull(node, "nothing at " + xpath);
    return node.getTextContent().strip();
  }

  private static NodeList nodes(Node context, String xpath) throws Exception {
    return (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, context, XPathConstants.NODESET);
  }

  private static boolean isInside(Node node, Node ancestor) {
    for (Node up = node; up != null; up = up.getParentNode()) {
      if (up.isSameNode(ancestor)) {
        return true;
      }
    }
    return false;
  }

  /** The value Maven makes of it; any other property here would be a value this test cannot check. */
  private static String resolveProjectVersion(String value, String version) {
    String resolved = value.replace("${project.version}", version);
    assertFalse(resolved.contains("${"), "an unresolved property in " + value);
    return resolved;
  }

  private static JsonNode controllerPod() {
    return required("Deployment/fleet-controller").path("spec").path("template").path("spec");
  }

  private static JsonNode controllerContainer() {
    return controllerPod().path("containers").get(0);
  }

  private static Map<String, JsonNode> envOf(JsonNode container) {
    Map<String, JsonNode> env = new TreeMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    return env;
  }

  private static Map<String, Integer> containerPorts(JsonNode container) {
    Map<String, Integer> ports = new HashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    return ports;
  }

  private static JsonNode required(String kindAndName) {
    JsonNode doc = byKindAndName.get(kindAndName);
    assertNotNull(doc, kindAndName + " is missing from deploy/k8s");
    return doc;
  }
}
