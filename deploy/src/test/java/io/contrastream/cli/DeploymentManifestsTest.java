package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.StreamingJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes production path (deploy/k8s, deploy/docker) agrees with the code: the image holds the
 * jar the FlinkDeployment starts, the job config has only known keys and is mounted where the args
 * point, the cluster config keeps DJL parent-first and state on the shared volume, every topic exists.
 */
class DeploymentManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<JsonNode> DOCS = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void readManifests() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("k8s"))) { // surefire runs in deploy/
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (var parser = YAML.getFactory().createParser(f.toFile())) {
                    YAML.readValues(parser, JsonNode.class).readAll().stream()
                            .filter(d -> d != null && !d.isNull() && !d.isMissingNode()).forEach(DOCS::add);
                }
            }
        }
    }

    private static JsonNode one(String kind) {
        List<JsonNode> found = DOCS.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
        assertThat(found).as("exactly one %s in deploy/k8s/*.yaml", kind).hasSize(1);
        return found.get(0);
    }

    private static JsonNode spec() {
        return one("FlinkDeployment").path("spec");
    }

    private static String conf(String key) {
        return spec().path("flinkConfiguration").path(key).asText();
    }

    private JobConfig jobConfig() throws IOException {
        Path f = tmp.resolve("job.yaml");
        Files.writeString(f, one("ConfigMap").path("data").path("job.yaml").asText());
        return JobConfig.load(f, Map.of()); // throws naming an unknown key or a bad value
    }

    /** The podTemplate volume whose {@code source.key} is {@code name}, e.g. configMap.name. */
    private static JsonNode volume(String source, String key, String name) {
        for (JsonNode v : spec().path("podTemplate").path("spec").path("volumes")) {
            if (name.equals(v.path(source).path(key).asText())) {
                return v;
            }
        }
        throw new AssertionError("podTemplate.spec.volumes needs a " + source + " volume of " + name);
    }

    /** Where flink-main-container mounts that volume. */
    private static String mountPath(JsonNode volume) {
        for (JsonNode c : spec().path("podTemplate").path("spec").path("containers")) {
            for (JsonNode m : c.path("volumeMounts")) {
                if ("flink-main-container".equals(c.path("name").asText())
                        && m.path("name").asText().equals(volume.path("name").asText())) {
                    return m.path("mountPath").asText();
                }
            }
        }
        throw new AssertionError("flink-main-container must mount the volume " + volume.path("name"));
    }

    private static List<String> dockerfile(String instruction) throws IOException {
        return Files.readAllLines(Path.of("docker", "Dockerfile")).stream().map(String::strip)
                .filter(l -> l.startsWith(instruction + " ")).toList();
    }

    @Test
    void prometheusScrapesThePortTheReporterListensOn() {
        assertThat(conf("metrics.reporter.prom.factory.class"))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        String port = conf("metrics.reporter.prom.port");
        JsonNode named = null;
        for (JsonNode c : spec().path("podTemplate").path("spec").path("containers")) {
            for (JsonNode p : c.path("ports")) {
                if ("flink-main-container".equals(c.path("name").asText()) && "metrics".equals(p.path("name").asText())) {
                    named = p;
                }
            }
        }
        assertThat(named).as("flink-main-container declares a port named metrics").isNotNull();
        assertThat(named.path("containerPort").asText()).isEqualTo(port);
        JsonNode monitor = one("PodMonitor").path("spec");
        assertThat(monitor.path("selector").path("matchLabels").path("app").asText())
                .as("the PodMonitor selects the FlinkDeployment's pods")
                .isEqualTo(one("FlinkDeployment").path("metadata").path("name").asText());
        assertThat(monitor.path("podMetricsEndpoints").get(0).path("port").asText()).isEqualTo("metrics");
    }

    @Test
    void everyDocumentNamesItsApiKindAndName() {
        assertThat(DOCS).as("deploy/k8s/*.yaml documents").isNotEmpty();
        for (JsonNode d : DOCS) {
            assertThat(d.path("apiVersion").asText()).as("apiVersion of %s", d).isNotBlank();
            assertThat(d.path("kind").asText()).as("kind of %s", d).isNotBlank();
            assertThat(d.path("metadata").path("name").asText(d.path("metadata").path("generateName").asText()))
                    .as("metadata.name (or generateName, for a resource created once per use) of %s", d).isNotBlank();
        }
    }

    @Test
    void theDeploymentStartsTheJarTheImageHolds() throws IOException {
        String jarUri = spec().path("job").path("jarURI").asText();
        assertThat(jarUri).as("jarURI must point into the image's usrlib").startsWith("local:///opt/flink/usrlib/");
        String jar = jarUri.substring(jarUri.lastIndexOf('/') + 1);
        assertThat(jar).as("the build produces deploy/target/contrastream-job.jar").isEqualTo("contrastream-job.jar");
        assertThat(dockerfile("COPY")).as("Dockerfile must COPY %s to the path spec.job.jarURI names", jar)
                .anyMatch(l -> l.contains(" " + jar + " ") && l.endsWith(jarUri.substring("local://".length())));
    }

    @Test
    void theImagePutsDjlOnFlinksClasspathOfflineOnTheOperatorsFlinkVersion() throws IOException {
        assertThat(dockerfile("COPY")).as("Dockerfile must COPY djl-lib/*.jar into /opt/flink/lib/")
                .anyMatch(l -> l.contains(" djl-lib/") && l.endsWith(" /opt/flink/lib/"));
        assertThat(dockerfile("ENV")).as("Dockerfile must set DJL_OFFLINE=true")
                .anyMatch(l -> l.contains("DJL_OFFLINE=true"));
        String version = spec().path("flinkVersion").asText(); // v2_2
        assertThat(dockerfile("FROM").get(0))
                .as("Dockerfile FROM must be the official image of flinkVersion %s", version)
                .startsWith("FROM flink:" + version.substring(1).replace('_', '.') + ".");
    }

    @Test
    void theEntryClassExists() throws Exception {
        String entry = spec().path("job").path("entryClass").asText();
        assertThat(Class.forName(entry).getName()).as("spec.job.entryClass").isEqualTo(
                "io.contrastream.flink.job.PretrainJobMain");
    }

    @Test
    void theJobConfigHasOnlyKnownKeysAndIsMountedWhereTheArgsPoint() throws IOException {
        assertThat(jobConfig().asMap()).as("job.yaml in job-config.yaml")
                .containsKeys("bootstrap-servers", "model-store", "checkpoint-dir");
        JsonNode volume = volume("configMap", "name", one("ConfigMap").path("metadata").path("name").asText());
        String file = volume.path("configMap").path("items").path(0).path("path").asText("job.yaml");
        List<String> args = new ArrayList<>();
        spec().path("job").path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).as("spec.job.args must be --config <the ConfigMap's mount path>/%s", file)
                .containsSequence("--config", mountPath(volume) + "/" + file);
    }

    @Test
    void djlResolvesParentFirstOfflineWithOneTrainingSlotPerJvm() {
        assertThat(conf("classloader.parent-first-patterns.additional"))
                .as("flinkConfiguration classloader.parent-first-patterns.additional must include ai.djl.")
                .contains("ai.djl.");
        assertThat(conf("env.java.opts.all")).as("env.java.opts.all needs -Dai.djl.offline=true")
                .contains("-Dai.djl.offline=true");
        assertThat(conf("taskmanager.numberOfTaskSlots"))
                .as("one slot per TaskManager (one gradient collection per JVM)").isEqualTo("1");
    }

    @Test
    void stateIsRocksDbWithIncrementalCheckpointsOnTheSharedVolume() throws IOException {
        assertThat(conf("state.backend.type")).as("state.backend.type").isEqualTo("rocksdb");
        assertThat(conf("execution.checkpointing.incremental")).as("execution.checkpointing.incremental")
                .isEqualTo("true");
        JsonNode claim = one("PersistentVolumeClaim");
        assertThat(claim.path("spec").path("accessModes").toString())
                .as("every pod writes checkpoints: the claim must be ReadWriteMany").contains("ReadWriteMany");
        String data = "file://" + mountPath(volume("persistentVolumeClaim", "claimName",
                claim.path("metadata").path("name").asText())) + "/";
        assertThat(conf("execution.checkpointing.savepoint-dir")).as("savepoint-dir on the mounted claim")
                .startsWith(data);
        assertThat(conf("execution.checkpointing.dir")).as("execution.checkpointing.dir on the mounted claim")
                .startsWith(data);
        assertThat(jobConfig().get(JobParams.CHECKPOINT_DIR))
                .as("job.yaml checkpoint-dir must equal execution.checkpointing.dir (the job sets its own)")
                .isEqualTo(conf("execution.checkpointing.dir"));
        assertThat(jobConfig().get(JobParams.MODEL_STORE)).as("job.yaml model-store on the mounted claim")
                .startsWith(data);
    }

    @Test
    void theDeploymentsParallelismIsTheJobs() throws IOException {
        assertThat(spec().path("job").path("parallelism").asInt())
                .as("spec.job.parallelism must equal job.yaml parallelism (the job sets its own)")
                .isEqualTo(jobConfig().get(JobParams.PARALLELISM));
    }

    @Test
    void everyTopicOfTheJobIsAStrimziTopic() throws IOException {
        List<JsonNode> kafkaTopics = DOCS.stream().filter(d -> "KafkaTopic".equals(d.path("kind").asText())).toList();
        kafkaTopics.forEach(d -> assertThat(d.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                .as("KafkaTopic %s needs the strimzi.io/cluster label", d.path("metadata").path("name")).isNotBlank());
        List<String> topics = kafkaTopics.stream()
                .map(d -> d.path("spec").path("topicName").asText(d.path("metadata").path("name").asText())).toList();
        assertThat(topics).as("kafka-topics.yaml must declare the default topics")
                .contains(StreamingJob.topics(JobConfig.of(Map.of())));
        assertThat(topics).as("kafka-topics.yaml must declare the topics job.yaml names")
                .contains(StreamingJob.topics(jobConfig()));
        assertThat(topics).as("kafka-topics.yaml must declare the audio path's topics (method cpc)")
                .contains(StreamingJob.topics(JobConfig.of(Map.of("method", "cpc"))));
    }

    @Test
    void aSavepointSnapshotNamesTheDeploymentAndTheSharedVolume() {
        JsonNode snap = one("FlinkStateSnapshot").path("spec");
        assertThat(snap.path("jobReference").path("name").asText())
                .isEqualTo(one("FlinkDeployment").path("metadata").path("name").asText());
        assertThat(snap.path("savepoint").path("path").asText()).isEqualTo(conf("execution.checkpointing.savepoint-dir"));
    }

    @Test
    void noPlannedOrDeprecatedLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("k8s"))) {
            for (Path f : files.toList()) {
                String text = Files.readString(f);
                assertThat(text).as(f.toString()).doesNotContainIgnoringCase("planned").doesNotContain("Not accepted yet");
                if (f.toString().endsWith(".yaml")) {
                    assertThat(text).as(f + ": deprecated trigger").doesNotContain("savepointTriggerNonce");
                }
            }
        }
    }
}
