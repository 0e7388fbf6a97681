package io.contrastream.flink.job;

import io.contrastream.connectors.format.avro.DeadLetter;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.connectors.format.avro.ModelVersion;
import io.contrastream.connectors.format.avro.Quality;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.kafka.KafkaBytes;
import io.contrastream.flink.kafka.KafkaBytesSerializer;
import io.contrastream.flink.kafka.LossAlarmSink;
import io.contrastream.flink.kafka.OutputGuard;
import io.contrastream.flink.kafka.RawRecordDeserializer;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.QualityRecord;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.flink.operator.AugmentFunction;
import io.contrastream.flink.operator.DecodeFunction;
import io.contrastream.flink.operator.EmbedderOperator;
import io.contrastream.flink.operator.OnlineEvaluator;
import io.contrastream.flink.operator.TrainSampler;
import io.contrastream.flink.operator.TrainerOperator;
import io.contrastream.flink.store.ModelStore;
import io.contrastream.model.method.MethodSpec;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The online pretraining job: images from Kafka → decode and validate (bad input to dead letters)
 * → augment → keyBy(model id) → trainer → broadcast versions → embedders → Kafka, exactly once.
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = PretrainJob.environment(cfg);
 * PretrainJob.Outputs out = PretrainJob.build(env, rawRecords, cfg);   // tests: bounded source, collecting sinks
 * PretrainJob.sinkToKafka(out, cfg);                                   // main(): Kafka sinks
 * }</pre>
 */
public final class PretrainJob {
    private PretrainJob() {}

    /** The streams the job produces, for the caller to sink; {@code quality} may be null (a job without evaluation). */
    public record Outputs(DataStream<EmbeddingRecord> embeddings, DataStream<DeadLetterRecord> deadLetters,
            DataStream<ModelUpdate> modelVersions, DataStream<QualityRecord> quality) {
        /** Outputs without an online evaluation. */
        public Outputs(DataStream<EmbeddingRecord> embeddings, DataStream<DeadLetterRecord> deadLetters,
                DataStream<ModelUpdate> modelVersions) {
            this(embeddings, deadLetters, modelVersions, null);
        }
    }

    /**
     * The job's Flink defaults — RocksDB with incremental checkpoints, checkpoint storage, restarts, REST on loopback —
     * in full: the configuration of an embedded MiniCluster. On a cluster {@link #configure} applies only the keys the
     * cluster leaves unset.
     */
    public static Configuration flinkConfiguration(JobConfig cfg) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // small SST files: a compaction then rewrites only the key ranges that changed (the queue's ring
        // rows, the bank's updated ids) instead of one 64 MB file per state; see BENCHMARKS.md, B4
        conf.set(org.apache.flink.state.rocksdb.RocksDBConfigurableOptions.TARGET_FILE_SIZE_BASE,
                org.apache.flink.configuration.MemorySize.parse("4mb"));
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, cfg.get(JobParams.CHECKPOINT_DIR));
        // a stream has no end: keep restarting (1 s, doubling to 30 s while failures repeat, e.g. a broker
        // that is down for a while), never give up after a fixed number of attempts
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, java.time.Duration.ofSeconds(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, java.time.Duration.ofSeconds(30));
        // secure by default: the embedded cluster's REST API and web UI on loopback only, and neither jar upload nor
        // job cancellation over it (the launcher's flags turn them on: rest.bind-address, web.submit.enable)
        conf.set(org.apache.flink.configuration.RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(org.apache.flink.configuration.RestOptions.ADDRESS, "127.0.0.1");
        conf.set(org.apache.flink.configuration.WebOptions.SUBMIT_ENABLE, false);
        conf.set(org.apache.flink.configuration.WebOptions.CANCEL_ENABLE, false);
        conf.set(org.apache.flink.configuration.JobManagerOptions.BIND_HOST, "127.0.0.1");
        conf.set(org.apache.flink.configuration.TaskManagerOptions.BIND_HOST, "127.0.0.1");
        conf.set(org.apache.flink.configuration.TaskManagerOptions.HOST, "127.0.0.1");
        return conf;
    }

    /**
     * The job's environment: on a cluster ({@code flink run}, the Kubernetes Operator) the cluster's configuration
     * with the job's defaults only where it has no value ({@link #configure}); in this JVM a MiniCluster of
     * {@link #flinkConfiguration}.
     */
    public static StreamExecutionEnvironment environment(JobConfig cfg) {
        return environment(cfg, new org.apache.flink.configuration.Configuration());
    }

    /**
     * {@link #environment(JobConfig)}, with {@code local} (e.g. a metrics reporter) added to the MiniCluster's
     * configuration when the job runs in this JVM; ignored on a cluster, which owns its settings.
     */
    public static StreamExecutionEnvironment environment(JobConfig cfg, org.apache.flink.configuration.Configuration local) {
        try { // a local checkpoint folder holds the whole training state: owner-only, like the model store
            ModelStore.createPrivateDirectories(cfg.get(JobParams.CHECKPOINT_DIR));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("config key 'checkpoint-dir' (" + cfg.get(JobParams.CHECKPOINT_DIR)
                    + "): cannot create it: " + e.getMessage() + ". Choose a folder this user can write", e);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (env instanceof LocalStreamEnvironment) { // no cluster around: the job owns its MiniCluster, as before
            org.apache.flink.configuration.Configuration conf = flinkConfiguration(cfg);
            conf.addAll(local);
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        }
        configure(env, cfg);
        return env;
    }

    /**
     * Checkpointing, parallelism, restart strategy and state backend, each from the job only where the operator has
     * not chosen: a key explicit in the job config ({@code parallelism}, {@code checkpoint-interval-ms},
     * {@code checkpoint-dir}) wins; otherwise the environment's value (the cluster's config.yaml, the Kubernetes
     * Operator's flinkConfiguration) stays, and the job's default fills only what is unset.
     *
     * <pre>{@code
     * StreamExecutionEnvironment env = new StreamExecutionEnvironment(clusterConf); // parallelism.default: 3
     * PretrainJob.configure(env, JobConfig.of(Map.of()));                          // env.getParallelism() == 3
     * }</pre>
     */
    public static void configure(StreamExecutionEnvironment env, JobConfig cfg) {
        ReadableConfig cluster = env.getConfiguration();
        Map<String, String> explicit = cfg.asMap();
        boolean local = env instanceof LocalStreamEnvironment;
        Configuration defaults = jobDefaults(cfg, cluster, local);
        if (!defaults.keySet().isEmpty()) {
            env.configure(defaults);
        }
        long interval = cfg.get(JobParams.CHECKPOINT_INTERVAL_MS);
        java.util.Optional<java.time.Duration> clusterInterval = cluster.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        if (explicit.containsKey(JobParams.CHECKPOINT_INTERVAL_MS.name()) || clusterInterval.isEmpty()) {
            env.enableCheckpointing(interval, CheckpointingMode.EXACTLY_ONCE);
        } else {
            interval = clusterInterval.get().toMillis();
            if (interval * 4 > cfg.get(JobParams.TRANSACTION_TIMEOUT_MS)) { // the check JobConfig makes on its own key
                throw new IllegalArgumentException("the cluster's execution.checkpointing.interval (" + interval
                        + " ms) must be at most a quarter of 'transaction-timeout-ms' ("
                        + cfg.get(JobParams.TRANSACTION_TIMEOUT_MS) + "): a longer-open transaction is aborted by the"
                        + " broker and its output lost. Set checkpoint-interval-ms in the job or raise"
                        + " transaction-timeout-ms");
            }
        }
        // a local environment always carries parallelism.default (Flink fills in the core count), so there the value
        // says nothing about an operator's choice: the job's parallelism applies, as it always did
        if (explicit.containsKey(JobParams.PARALLELISM.name()) || local
                || cluster.getOptional(CoreOptions.DEFAULT_PARALLELISM).isEmpty()) {
            env.setParallelism(cfg.get(JobParams.PARALLELISM));
        }
    }

    /**
     * The entries of {@link #flinkConfiguration} that {@code cluster} has no value for ({@code checkpoint-dir} when
     * set in the job config always); the whole {@code restart-strategy.*} group stays the cluster's once it names a
     * strategy. The embedded-only REST and bind settings only for a {@code local} environment.
     */
    static Configuration jobDefaults(JobConfig cfg, ReadableConfig cluster, boolean local) {
        Map<String, String> clusterKeys = cluster.toMap();
        // options read through getOptional too, so a cluster that still uses a deprecated key name counts as set
        Map<String, org.apache.flink.configuration.ConfigOption<?>> withFallbacks = Map.of(
                StateBackendOptions.STATE_BACKEND.key(), StateBackendOptions.STATE_BACKEND,
                CheckpointingOptions.CHECKPOINT_STORAGE.key(), CheckpointingOptions.CHECKPOINT_STORAGE,
                CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                CheckpointingOptions.INCREMENTAL_CHECKPOINTS.key(), CheckpointingOptions.INCREMENTAL_CHECKPOINTS,
                RestartStrategyOptions.RESTART_STRATEGY.key(), RestartStrategyOptions.RESTART_STRATEGY);
        boolean clusterRestarts = cluster.getOptional(RestartStrategyOptions.RESTART_STRATEGY).isPresent();
        Configuration out = new Configuration();
        flinkConfiguration(cfg).toMap().forEach((key, value) -> {
            boolean embeddedOnly = key.startsWith("rest.") || key.startsWith("web.") || key.endsWith(".bind-host")
                    || key.equals(org.apache.flink.configuration.TaskManagerOptions.HOST.key());
            boolean explicitDir = key.equals(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key())
                    && cfg.asMap().containsKey(JobParams.CHECKPOINT_DIR.name());
            if ((embeddedOnly && !local) || (key.startsWith("restart-strategy.") && clusterRestarts)) {
                return;
            }
            boolean clusterSet = clusterKeys.containsKey(key)
                    || (withFallbacks.containsKey(key) && cluster.getOptional(withFallbacks.get(key)).isPresent());
            if (explicitDir || !clusterSet) {
                out.setString(key, value);
            }
        });
        return out;
    }

    public static Outputs build(StreamExecutionEnvironment env, DataStream<RawRecord> raw, JobConfig cfg) {
        cfg.device(); // refuse an unusable device here, before anything starts
        SingleOutputStreamOperator<DecodedImage> images = raw.process(new DecodeFunction(cfg)).name("decode")
                .uid("decode");
        DataStream<DeadLetterRecord> dead = images.getSideOutput(DecodeFunction.DEAD_LETTERS);
        DataStream<DecodedImage> forTraining = cfg.get(JobParams.TRAIN_SAMPLE) >= 1 ? images
                : images.filter(new TrainSampler(cfg)).name("train-sample").uid("train-sample");
        DataStream<ModelUpdate> updates = forTraining.flatMap(new AugmentFunction(cfg)).name("augment").uid("augment")
                .keyBy(e -> e.modelId)
                .transform("trainer", TypeInformation.of(ModelUpdate.class), new TrainerOperator(cfg)).uid("trainer");
        // image + audio (CMC's audio view): the embedders take the image side only
        DataStream<DecodedImage> toEmbed = cfg.spec().modality(cfg.recipeParams()) == MethodSpec.Modality.IMAGE ? images
                : images.map(DecodedImage::withoutAudio).returns(DecodedImage.class).name("image-side").uid("image-side");
        DataStream<EmbeddingRecord> embeddings = toEmbed.connect(updates.broadcast())
                .transform("embed", TypeInformation.of(EmbeddingRecord.class), new EmbedderOperator(cfg)).uid("embed");
        // the quality signal: every model version scored prequentially on the labelled embeddings. One subtask
        // (operator state; see OnlineEvaluator for why), reading the embeddings beside their own sink
        DataStream<QualityRecord> quality = embeddings
                .transform("online-eval", TypeInformation.of(QualityRecord.class), new OnlineEvaluator(cfg))
                .uid("online-eval").setParallelism(1);
        return new Outputs(embeddings, dead, updates, quality);
    }

    public static DataStream<RawRecord> kafkaSource(StreamExecutionEnvironment env, JobConfig cfg) {
        return kafkaSource(env, cfg, cfg.get(JobParams.IMAGES_TOPIC), "images");
    }

    /**
     * Raw records of {@code topic}, read_committed, from the group's committed offsets (the earliest for a new group); {@code role}
     * names the source and fixes its uid (savepoints stay valid when the topic is renamed).
     */
    public static DataStream<RawRecord> kafkaSource(StreamExecutionEnvironment env, JobConfig cfg, String topic,
            String role) {
        KafkaSource<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(cfg.get(JobParams.BOOTSTRAP_SERVERS))
                .setTopics(topic)
                .setGroupId(cfg.get(JobParams.GROUP_ID))
                // a resubmit without a savepoint resumes where the group's committed offsets are (committed at each
                // checkpoint); only a new group starts at the beginning of the topic
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperties(cfg.kafkaProperties())
                .setProperty("isolation.level", "read_committed")
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), role).uid(role + "-source");
    }

    /** The whole image job between Kafka topics: {@link #kafkaSource}, {@link #build}, {@link #sinkToKafka}. */
    public static void buildFromKafka(StreamExecutionEnvironment env, JobConfig cfg) {
        sinkToKafka(build(env, kafkaSource(env, cfg), cfg), cfg);
    }

    /** The five topics the job reads and writes: images, embeddings, dead letters, model versions, quality. */
    public static String[] topics(JobConfig cfg) {
        return new String[] {cfg.get(JobParams.IMAGES_TOPIC), cfg.get(JobParams.EMBEDDINGS_TOPIC),
                cfg.get(JobParams.DEAD_LETTER_TOPIC), cfg.get(JobParams.MODEL_VERSIONS_TOPIC),
                cfg.get(JobParams.QUALITY_TOPIC)};
    }

    public static void sinkToKafka(Outputs out, JobConfig cfg) {
        sinkToKafka(out, cfg, null);
    }

    /**
     * Every output through its {@link OutputGuard} into its exactly-once sink; what a topic cannot hold (and
     * {@code moreRefused}, the refused outputs of other sinks, may be null) joins the dead letters, which always fit.
     * Keys: embeddings by record id, versions and quality records by model id, dead letters by the refused record's key.
     */
    public static void sinkToKafka(Outputs out, JobConfig cfg, DataStream<DeadLetterRecord> moreRefused) {
        int max = cfg.get(JobParams.MAX_OUTPUT_BYTES);
        int maxKey = cfg.get(JobParams.MAX_KEY_BYTES);
        DataStream<DeadLetterRecord> refusedEmbeddings = guardAndSink(out.embeddings(), cfg, JobParams.EMBEDDINGS_TOPIC,
                OutputGuard.of(cfg.get(JobParams.EMBEDDINGS_TOPIC), max, maxKey, Embedding.class,
                        EmbeddingRecord::toAvro, e -> e.recordId), "embeddings", "emb");
        DataStream<DeadLetterRecord> refusedVersions = guardAndSink(out.modelVersions(), cfg,
                JobParams.MODEL_VERSIONS_TOPIC, OutputGuard.of(cfg.get(JobParams.MODEL_VERSIONS_TOPIC), max, maxKey,
                        ModelVersion.class, PretrainJob::toAvro, u -> u.modelId), "model-versions", "ver");
        DataStream<DeadLetterRecord> dead = out.deadLetters().union(refusedEmbeddings, refusedVersions);
        if (out.quality() != null) {
            dead = dead.union(guardAndSink(out.quality(), cfg, JobParams.QUALITY_TOPIC,
                    OutputGuard.of(cfg.get(JobParams.QUALITY_TOPIC), max, maxKey, Quality.class, QualityRecord::toAvro,
                            q -> q.modelId), "quality", "qual"));
        }
        if (moreRefused != null) {
            dead = dead.union(moreRefused);
        }
        guardAndSink(dead, cfg, JobParams.DEAD_LETTER_TOPIC,
                OutputGuard.forDeadLetters(cfg.get(JobParams.DEAD_LETTER_TOPIC), max, maxKey), "dead-letter", "dlq");
    }

    /** {@code stream} through {@code guard} into the exactly-once sink of {@code topic}; returns what was refused. */
    public static <T> DataStream<DeadLetterRecord> guardAndSink(DataStream<T> stream, JobConfig cfg,
            io.contrastream.model.param.Param<String> topic, OutputGuard<T, ?> guard, String role, String idSuffix) {
        SingleOutputStreamOperator<KafkaBytes> fit = stream.process(guard).returns(KafkaBytes.class)
                .name(role + "-guard").uid(role + "-guard");
        fit.sinkTo(new LossAlarmSink<>(sink(cfg, topic, idSuffix), cfg.get(topic), cfg.get(JobParams.TRANSACTION_TIMEOUT_MS)))
                .name(role + "-sink").uid(role + "-sink");
        return fit.getSideOutput(OutputGuard.REFUSED);
    }

    static ModelVersion toAvro(ModelUpdate u) {
        return ModelVersion.newBuilder().setModelId(u.modelId).setVersion(u.version).setUri(u.uri).setStep(u.step)
                .setLoss(u.loss).build();
    }

    static KafkaSink<KafkaBytes> sink(JobConfig cfg, io.contrastream.model.param.Param<String> topic, String idSuffix) {
        Properties props = cfg.kafkaProperties();
        props.setProperty("transaction.timeout.ms", String.valueOf(cfg.get(JobParams.TRANSACTION_TIMEOUT_MS)));
        // outputs are checked against max-output-bytes before the sink (OutputGuard); the producer's limit only
        // needs to follow when that setting is raised above Kafka's 1 MiB default
        int maxOut = cfg.get(JobParams.MAX_OUTPUT_BYTES);
        if (maxOut + 16_384 > 1 << 20) {
            props.setProperty("max.request.size", String.valueOf(maxOut + 16_384));
        }
        return KafkaSink.<KafkaBytes>builder()
                .setBootstrapServers(cfg.get(JobParams.BOOTSTRAP_SERVERS))
                .setKafkaProducerConfig(props)
                .setRecordSerializer(new KafkaBytesSerializer(cfg.get(topic)))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                // ids from a fixed pool, reused across checkpoints, instead of a new transactional id per checkpoint
                // (the broker keeps each id's state for transactional.id.expiration.ms, 7 days by default)
                .setTransactionNamingStrategy(cfg.get(JobParams.TRANSACTION_NAMING).equals("pooling")
                        ? org.apache.flink.connector.kafka.sink.TransactionNamingStrategy.POOLING
                        : org.apache.flink.connector.kafka.sink.TransactionNamingStrategy.INCREMENTING)
                .setTransactionalIdPrefix(cfg.get(JobParams.GROUP_ID) + "-" + cfg.get(JobParams.MODEL_ID) + "-" + idSuffix)
                .build();
    }
}
