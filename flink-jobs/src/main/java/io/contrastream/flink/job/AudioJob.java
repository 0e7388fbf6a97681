package io.contrastream.flink.job;

import io.contrastream.connectors.format.avro.CpcPrediction;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.kafka.OutputGuard;
import io.contrastream.flink.model.CpcPredictionRecord;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedAudio;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.flink.operator.AudioDecodeFunction;
import io.contrastream.flink.operator.AudioStreamFunction;
import io.contrastream.flink.operator.CpcStreamFunction;
import io.contrastream.flink.operator.CpcTrainerOperator;
import io.contrastream.flink.operator.DecodeFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The audio job: CPC on live audio streams, between Kafka topics.
 *
 * <pre>{@code
 * AudioJob.Outputs out = AudioJob.build(env, rawChunks, cfg);   // tests: bounded source, collecting sinks
 * AudioJob.buildFromKafka(env, cfg);                            // audio-topic → four topics
 * }</pre>
 *
 * <p>decode ({@link AudioDecodeFunction}: validation, dead letters) → keyed by stream id:
 * {@link AudioStreamFunction} (sequence checks, resampling to 16 kHz, training windows) → windows
 * keyed by model id: {@link CpcTrainerOperator} (batches across streams, publishes versions) → the
 * versions broadcast to {@link CpcStreamFunction}, keyed by stream id again (CPC inference across
 * chunks: predictions, surprise, c_t).
 */
public final class AudioJob {
    private AudioJob() {}

    public record Outputs(DataStream<CpcPredictionRecord> predictions, DataStream<EmbeddingRecord> embeddings,
            DataStream<DeadLetterRecord> deadLetters, DataStream<ModelUpdate> modelVersions) {}

    public static Outputs build(StreamExecutionEnvironment env, DataStream<RawRecord> raw, JobConfig cfg) {
        cfg.device(); // refuse an unusable device here, before anything starts
        // decode at the source's parallelism, chained to it: the chunks of a stream (one Kafka partition, keyed by
        // stream id) must reach the keyed stream function in order; a rebalance here would reorder them
        SingleOutputStreamOperator<DecodedAudio> audio = raw.process(new AudioDecodeFunction(cfg))
                .setParallelism(raw.getParallelism()).name("decode-audio").uid("decode-audio");
        SingleOutputStreamOperator<DecodedAudio> at16k = audio.keyBy(a -> a.streamId)
                .process(new AudioStreamFunction(cfg)).name("audio-stream").uid("audio-stream");
        DataStream<ModelUpdate> versions = at16k.getSideOutput(AudioStreamFunction.WINDOWS).keyBy(w -> w.modelId)
                .transform("cpc-trainer", TypeInformation.of(ModelUpdate.class), new CpcTrainerOperator(cfg))
                .uid("cpc-trainer");
        SingleOutputStreamOperator<CpcPredictionRecord> predictions = at16k.keyBy(a -> a.streamId)
                .connect(versions.broadcast(CpcStreamFunction.MODEL)).process(new CpcStreamFunction(cfg))
                .name("cpc-stream").uid("cpc-stream");
        // bad chunks from decoding, from the stream checks and from CPC itself (a non-finite output is never emitted)
        DataStream<DeadLetterRecord> dead = audio.getSideOutput(DecodeFunction.DEAD_LETTERS)
                .union(at16k.getSideOutput(DecodeFunction.DEAD_LETTERS),
                        predictions.getSideOutput(DecodeFunction.DEAD_LETTERS));
        return new Outputs(predictions, predictions.getSideOutput(CpcStreamFunction.EMBEDDINGS), dead, versions);
    }

    /** The five topics the audio job reads and writes. */
    public static String[] topics(JobConfig cfg) {
        return new String[] {cfg.get(JobParams.AUDIO_TOPIC), cfg.get(JobParams.CPC_PREDICTIONS_TOPIC),
                cfg.get(JobParams.EMBEDDINGS_TOPIC), cfg.get(JobParams.DEAD_LETTER_TOPIC),
                cfg.get(JobParams.MODEL_VERSIONS_TOPIC)};
    }

    /** The whole audio job between Kafka topics. */
    public static void buildFromKafka(StreamExecutionEnvironment env, JobConfig cfg) {
        Outputs out = build(env, PretrainJob.kafkaSource(env, cfg, cfg.get(JobParams.AUDIO_TOPIC), "audio"), cfg);
        DataStream<DeadLetterRecord> refused = PretrainJob.guardAndSink(out.predictions(), cfg,
                JobParams.CPC_PREDICTIONS_TOPIC, OutputGuard.of(cfg.get(JobParams.CPC_PREDICTIONS_TOPIC),
                        cfg.get(JobParams.MAX_OUTPUT_BYTES), cfg.get(JobParams.MAX_KEY_BYTES), CpcPrediction.class,
                        CpcPredictionRecord::toAvro, p -> p.streamId), "cpc-predictions", "cpc");
        // embeddings (c_t), dead letters and versions go out exactly as the image job's
        PretrainJob.sinkToKafka(new PretrainJob.Outputs(out.embeddings(), out.deadLetters(), out.modelVersions()), cfg,
                refused);
    }
}
