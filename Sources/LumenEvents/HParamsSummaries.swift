import Foundation
import SwiftProtobuf

/// The summaries of TensorBoard's hparams plugin, as PyTorch's `torch.utils.tensorboard.summary.hparams`
/// writes them: each a value with no data whose `metadata.plugin_data` (plugin `hparams`) holds a
/// serialized `HParamsPluginData`.
public enum HParamsSummaries {
    /// The plugin's name.
    public static let pluginName = "hparams"
    /// The version of `HParamsPluginData` written.
    public static let pluginDataVersion: Int32 = 0
    /// The tag of the experiment summary.
    public static let experimentTag = "_hparams_/experiment"
    /// The tag of the session start summary.
    public static let sessionStartInfoTag = "_hparams_/session_start_info"
    /// The tag of the session end summary.
    public static let sessionEndInfoTag = "_hparams_/session_end_info"

    /// The experiment: one `HParamInfo` per hyperparameter (names sorted), one `MetricInfo` per metric tag.
    public static func experiment(hparams: [String: HParamValue], metricTags: [String]) throws -> Summary {
        var experiment = HParamsExperiment()
        experiment.hparamInfos = hparams.keys.sorted().compactMap { name in
            guard let value = hparams[name] else { return nil }
            var info = HParamsHParamInfo()
            info.name = name
            switch value {
            case .number: info.type = .float64
            case .string: info.type = .string
            case .bool: info.type = .bool
            }
            return info
        }
        experiment.metricInfos = metricTags.map { tag in
            var info = HParamsMetricInfo()
            info.name.tag = tag
            return info
        }
        var data = HParamsHParamsPluginData()
        data.experiment = experiment
        return try summary(tag: experimentTag, data: data)
    }

    /// The session start: the hyperparameters' values.
    public static func sessionStartInfo(hparams: [String: HParamValue], groupName: String = "", startTime: Double = 0)
        throws -> Summary
    {
        var start = HParamsSessionStartInfo()
        for (name, value) in hparams {
            var protoValue = Google_Protobuf_Value()
            switch value {
            case let .number(number): protoValue.numberValue = number
            case let .string(string): protoValue.stringValue = string
            case let .bool(bool): protoValue.boolValue = bool
            }
            start.hparams[name] = protoValue
        }
        start.groupName = groupName
        start.startTimeSecs = startTime
        var data = HParamsHParamsPluginData()
        data.sessionStartInfo = start
        return try summary(tag: sessionStartInfoTag, data: data)
    }

    /// The session end, with `status` (success by default).
    public static func sessionEndInfo(status: HParamsStatus = .success, endTime: Double = 0) throws -> Summary {
        var end = HParamsSessionEndInfo()
        end.status = status
        end.endTimeSecs = endTime
        var data = HParamsHParamsPluginData()
        data.sessionEndInfo = end
        return try summary(tag: sessionEndInfoTag, data: data)
    }

    private static func summary(tag: String, data: HParamsHParamsPluginData) throws -> Summary {
        var data = data
        data.version = pluginDataVersion
        var value = Summary.Value()
        value.tag = tag
        value.metadata = SummaryMetadata.plugin(name: pluginName, content: try data.serializedData())
        return Summary(values: [value])
    }
}
