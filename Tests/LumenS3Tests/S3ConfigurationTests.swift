import AWSSigV4
import Foundation
import LumenS3
import LumenTestSupport
import Testing

/// Where credentials, region and endpoint come from.
@Suite struct S3ConfigurationTests {
    @Test func environmentKeysComeFirst() throws {
        let configuration = try S3Configuration.resolve(
            bucket: "b",
            environment: [
                "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
                "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2", "HOME": "/nonexistent",
            ])
        #expect(
            configuration.credentials
                == AWSCredentials(accessKeyID: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
        #expect(configuration.region == "eu-west-1")
        #expect(configuration.endpoint == nil)
        #expect(configuration.endpointDescription == "https://s3.eu-west-1.amazonaws.com")
    }

    @Test func theProfileFileIsReadWhenTheEnvironmentHasNoKeys() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try home.write(
            ".aws/credentials",
            Array(
                """
                [default]
                aws_access_key_id = DEFAULTKEY
                aws_secret_access_key = DEFAULTSECRET

                # a comment
                [ci]
                aws_access_key_id=CIKEY
                aws_secret_access_key=CISECRET
                aws_session_token=CITOKEN
                """.utf8))
        let plain = try S3Configuration.resolve(
            bucket: "b", environment: ["HOME": home.path, "AWS_DEFAULT_REGION": "ap-south-1"])
        #expect(plain.credentials == AWSCredentials(accessKeyID: "DEFAULTKEY", secretAccessKey: "DEFAULTSECRET"))
        #expect(plain.region == "ap-south-1")
        let profiled = try S3Configuration.resolve(bucket: "b", environment: ["HOME": home.path, "AWS_PROFILE": "ci"])
        #expect(
            profiled.credentials
                == AWSCredentials(accessKeyID: "CIKEY", secretAccessKey: "CISECRET", sessionToken: "CITOKEN"))
        #expect(profiled.region == "us-east-1")
        #expect {
            try S3Configuration.resolve(bucket: "b", environment: ["HOME": home.path, "AWS_PROFILE": "nope"])
        } throws: { error in
            "\(error)".hasPrefix("s3://b: no AWS credentials:") && "\(error)".contains("[nope]")
        }
    }

    @Test func endpointPrecedence() throws {
        let keys = ["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"]
        func endpoint(_ extra: [String: String], override: String? = nil) throws -> String? {
            try S3Configuration.resolve(
                bucket: "b", endpointOverride: override, environment: keys.merging(extra) { $1 }
            )
            .endpoint?.absoluteString
        }
        #expect(try endpoint(["AWS_ENDPOINT_URL": "http://a:1"]) == "http://a:1")
        #expect(
            try endpoint(["AWS_ENDPOINT_URL": "http://a:1", "AWS_ENDPOINT_URL_S3": "http://s3:2"]) == "http://s3:2")
        #expect(try endpoint(["AWS_ENDPOINT_URL_S3": "http://s3:2"], override: "https://flag:3") == "https://flag:3")
        #expect(throws: S3Error.badEndpoint(bucket: "b", endpoint: "ftp://x")) {
            try endpoint([:], override: "ftp://x")
        }
    }

    @Test func missingCredentialsNameTheBucketAndTheVariables() {
        #expect {
            try S3Configuration.resolve(bucket: "team-logs", environment: ["HOME": "/nonexistent"])
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("s3://team-logs: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
                && text.contains("AWS_PROFILE") && !text.contains("\n")
        }
        #expect(throws: S3Error.self) {
            try S3Configuration.resolve(bucket: "b", environment: ["AWS_ACCESS_KEY_ID": "K", "HOME": "/nonexistent"])
        }
    }

    @Test func locations() {
        #expect(S3Location(url: "s3://bucket/a/b/") == S3Location(bucket: "bucket", prefix: "a/b/"))
        #expect(S3Location(url: "s3://bucket") == S3Location(bucket: "bucket", prefix: ""))
        #expect(S3Location(url: "s3:///x") == nil)
        #expect(S3Location(url: "/local/dir") == nil)
    }
}
