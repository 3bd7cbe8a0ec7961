"""A second API server of the live Airflow, serving the public API over https with a self-signed certificate: what
the archiver reaches when Airflow sits behind TLS. Stopping it is Airflow being down for the archiver."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from archiver_testkit import free_port, run, wait_for
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from live.airflow_api import AirflowApi
from live.airflow_server import AIRFLOW, STARTUP_SECONDS, LiveAirflow, Service

TRUSTSTORE_PASSWORD = "changeit"  # the JDK's conventional one; a truststore holds no secret


class TlsApiServer:
    def __init__(self, airflow: LiveAirflow, directory: Path) -> None:
        self.airflow, self.directory = airflow, directory
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.cert, self.key, self.truststore = self._certificate(directory)
        self.service: Service | None = None

    @property
    def java_options(self) -> str:
        """How the archiver's JVM trusts the certificate (ARCHIVER_JAVA_OPTS, or spark.driver.extraJavaOptions)."""
        return (
            f"-Djavax.net.ssl.trustStore={self.truststore} -Djavax.net.ssl.trustStoreType=PKCS12 "
            f"-Djavax.net.ssl.trustStorePassword={TRUSTSTORE_PASSWORD}"
        )

    def api(self, user: str) -> AirflowApi:
        return self.airflow.api(user, self.url, self.cert)

    def up(self) -> bool:
        return self.service is not None and self.service.alive()

    def start(self) -> None:
        if self.up():
            return
        argv = [AIRFLOW, "api-server", "--apps", "core", "--port", str(self.port)]
        argv += ["--ssl-cert", str(self.cert), "--ssl-key", str(self.key)]
        self.service = Service.start("api-server-tls", argv, self.airflow.env, self.directory / "api-server-tls.log")
        api = self.api("admin")

        def healthy() -> bool:
            assert self.service is not None and self.service.alive(), self.service and self.service.tail()
            try:
                return bool(api.get("/api/v2/monitor/health", authenticated=False))
            except OSError:
                return False

        wait_for(healthy, STARTUP_SECONDS, f"the TLS API server at {self.url}")

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()

    @staticmethod
    def _certificate(directory: Path) -> tuple[Path, Path, Path]:
        """A self-signed certificate for 127.0.0.1, its key, and a PKCS12 truststore holding it (keytool's)."""
        directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        cert, key_file, truststore = directory / "cert.pem", directory / "key.pem", directory / "truststore.p12"
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
            )
        )
        imported = run(
            ["keytool", "-importcert", "-noprompt", "-alias", "airflow", "-file", str(cert), "-keystore",
             str(truststore), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD],
        )  # fmt: skip
        assert imported.returncode == 0, imported.stdout + imported.stderr
        return cert, key_file, truststore
