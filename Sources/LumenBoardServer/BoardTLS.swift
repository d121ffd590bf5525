import Foundation
import HummingbirdTLS
import NIOSSL

/// The board's HTTPS setup: a PEM certificate chain and its private key, checked at start.
public enum BoardTLS {
    /// The server configuration for the certificate chain in `certificateFile` and the private key
    /// in `keyFile` (both PEM).
    ///
    /// - Throws: ``BoardTLSError`` naming the file and what is wrong: missing or unreadable, not a
    ///   PEM certificate or key, or a key that does not belong to the certificate.
    public static func configuration(certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        for (file, flag) in [(certificateFile, "--tls-cert"), (keyFile, "--tls-key")] {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw BoardTLSError(description: "\(flag) \(file): no such file, or it can't be read")
            }
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw BoardTLSError(description: "--tls-cert \(certificateFile): not a PEM certificate (\(error))")
        }
        guard !chain.isEmpty else {
            throw BoardTLSError(description: "--tls-cert \(certificateFile): holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw BoardTLSError(description: "--tls-key \(keyFile): not a PEM private key (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do {
            // Builds the context the server would: BoringSSL refuses a key that doesn't match the
            // certificate here.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw BoardTLSError(
                description:
                    "--tls-key \(keyFile) does not belong to the certificate in --tls-cert \(certificateFile) (\(error))"
            )
        }
        return configuration
    }
}

/// A certificate or key that can't be served.
public struct BoardTLSError: Error, CustomStringConvertible {
    public var description: String
}
