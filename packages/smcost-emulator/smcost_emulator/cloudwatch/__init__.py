"""CloudWatch: moto's, every action (GetMetricData and PutMetricData included) under the
emulator's controls: logged as service "cloudwatch", delayed and faulted ("GetMetricData",
"cloudwatch:*"). A fault is serialized by moto in the protocol of the request (CloudWatch's
clients speak Smithy RPC v2 CBOR), with the injected code and status."""
