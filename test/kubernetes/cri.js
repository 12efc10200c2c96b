'use strict';
// The part of the CRI v1 API (runtime.v1, Kubernetes' cri-api) the
// Kubernetes test drives, written from its field names and numbers, and a
// client that calls it over gRPC as the kubelet does.
const grpc = require('@grpc/grpc-js');
const { encode, decode } = require('./proto');

const R = (t) => ['repeated', t];
const M = (t) => ['map', t];

const KeyValue = { key: [1, 'string'], value: [2, 'string'] };
const Int64Value = { value: [1, 'int64'] };
const UInt64Value = { value: [1, 'uint64'] };
const NamespaceOption = { network: [1, 'enum'], pid: [2, 'enum'], ipc: [3, 'enum'], target_id: [4, 'string'] };
const SecurityProfile = { profile_type: [1, 'enum'], localhost_ref: [2, 'string'] };
const LinuxContainerResources = {
  cpu_period: [1, 'int64'], cpu_quota: [2, 'int64'], cpu_shares: [3, 'int64'], memory_limit_in_bytes: [4, 'int64'],
  oom_score_adj: [5, 'int64'], cpuset_cpus: [6, 'string'], cpuset_mems: [7, 'string'], unified: [9, M('string')],
  memory_swap_limit_in_bytes: [10, 'int64'],
};
const PodSandboxMetadata = { name: [1, 'string'], uid: [2, 'string'], namespace: [3, 'string'], attempt: [4, 'uint32'] };
const LinuxSandboxSecurityContext = {
  namespace_options: [1, NamespaceOption], run_as_user: [3, Int64Value], readonly_rootfs: [4, 'bool'],
  supplemental_groups: [5, R('int64')], privileged: [6, 'bool'], run_as_group: [8, Int64Value], seccomp: [9, SecurityProfile],
};
const PodSandboxConfig = {
  metadata: [1, PodSandboxMetadata], hostname: [2, 'string'], log_directory: [3, 'string'], labels: [6, M('string')],
  annotations: [7, M('string')],
  linux: [8, { cgroup_parent: [1, 'string'], security_context: [2, LinuxSandboxSecurityContext], sysctls: [3, M('string')] }],
};
const ImageSpec = { image: [1, 'string'], annotations: [2, M('string')] };
const Mount = { container_path: [1, 'string'], host_path: [2, 'string'], readonly: [3, 'bool'], selinux_relabel: [4, 'bool'], propagation: [5, 'enum'] };
const LinuxContainerSecurityContext = {
  capabilities: [1, { add_capabilities: [1, R('string')], drop_capabilities: [2, R('string')] }], privileged: [2, 'bool'],
  namespace_options: [3, NamespaceOption], run_as_user: [5, Int64Value], run_as_username: [6, 'string'], readonly_rootfs: [7, 'bool'],
  supplemental_groups: [8, R('int64')], no_new_privs: [11, 'bool'], run_as_group: [12, Int64Value], masked_paths: [13, R('string')],
  readonly_paths: [14, R('string')], seccomp: [15, SecurityProfile],
};
const ContainerMetadata = { name: [1, 'string'], attempt: [2, 'uint32'] };
const ContainerConfig = {
  metadata: [1, ContainerMetadata], image: [2, ImageSpec], command: [3, R('string')], args: [4, R('string')], working_dir: [5, 'string'],
  envs: [6, R(KeyValue)], mounts: [7, R(Mount)], labels: [9, M('string')], annotations: [10, M('string')], log_path: [11, 'string'],
  stdin: [12, 'bool'], stdin_once: [13, 'bool'], tty: [14, 'bool'],
  linux: [15, { resources: [1, LinuxContainerResources], security_context: [2, LinuxContainerSecurityContext] }],
};
const ContainerStatus = {
  id: [1, 'string'], metadata: [2, ContainerMetadata], state: [3, 'enum'], created_at: [4, 'int64'], started_at: [5, 'int64'],
  finished_at: [6, 'int64'], exit_code: [7, 'int32'], image: [8, ImageSpec], image_ref: [9, 'string'], reason: [10, 'string'],
  message: [11, 'string'], labels: [12, M('string')], annotations: [13, M('string')], mounts: [14, R(Mount)], log_path: [15, 'string'],
};
const PodSandboxStatus = {
  id: [1, 'string'], metadata: [2, PodSandboxMetadata], state: [3, 'enum'], created_at: [4, 'int64'],
  network: [5, { ip: [1, 'string'], additional_ips: [2, R({ ip: [1, 'string'] })] }], labels: [7, M('string')],
  annotations: [8, M('string')], runtime_handler: [9, 'string'],
};
const PodSandbox = {
  id: [1, 'string'], metadata: [2, PodSandboxMetadata], state: [3, 'enum'], created_at: [4, 'int64'], labels: [5, M('string')],
  annotations: [6, M('string')], runtime_handler: [7, 'string'],
};
const Container = {
  id: [1, 'string'], pod_sandbox_id: [2, 'string'], metadata: [3, ContainerMetadata], image: [4, ImageSpec], image_ref: [5, 'string'],
  state: [6, 'enum'], created_at: [7, 'int64'], labels: [8, M('string')], annotations: [9, M('string')],
};
const ContainerStats = {
  attributes: [1, { id: [1, 'string'], metadata: [2, ContainerMetadata] }],
  cpu: [2, { timestamp: [1, 'int64'], usage_core_nano_seconds: [2, UInt64Value], usage_nano_cores: [3, UInt64Value] }],
  memory: [3, {
    timestamp: [1, 'int64'], working_set_bytes: [2, UInt64Value], available_bytes: [3, UInt64Value], usage_bytes: [4, UInt64Value],
    rss_bytes: [5, UInt64Value],
  }],
};

/** The rpcs: [service, method, request schema, response schema]. */
const RPCS = {
  Version: ['RuntimeService', { version: [1, 'string'] }, { version: [1, 'string'], runtime_name: [2, 'string'], runtime_version: [3, 'string'], runtime_api_version: [4, 'string'] }],
  RunPodSandbox: ['RuntimeService', { config: [1, PodSandboxConfig], runtime_handler: [2, 'string'] }, { pod_sandbox_id: [1, 'string'] }],
  StopPodSandbox: ['RuntimeService', { pod_sandbox_id: [1, 'string'] }, {}],
  RemovePodSandbox: ['RuntimeService', { pod_sandbox_id: [1, 'string'] }, {}],
  PodSandboxStatus: ['RuntimeService', { pod_sandbox_id: [1, 'string'], verbose: [2, 'bool'] }, { status: [1, PodSandboxStatus], info: [2, M('string')] }],
  ListPodSandbox: ['RuntimeService', { filter: [1, { id: [1, 'string'], label_selector: [3, M('string')] }] }, { items: [1, R(PodSandbox)] }],
  CreateContainer: ['RuntimeService', { pod_sandbox_id: [1, 'string'], config: [2, ContainerConfig], sandbox_config: [3, PodSandboxConfig] }, { container_id: [1, 'string'] }],
  StartContainer: ['RuntimeService', { container_id: [1, 'string'] }, {}],
  StopContainer: ['RuntimeService', { container_id: [1, 'string'], timeout: [2, 'int64'] }, {}],
  RemoveContainer: ['RuntimeService', { container_id: [1, 'string'] }, {}],
  ListContainers: ['RuntimeService', { filter: [1, { id: [1, 'string'], pod_sandbox_id: [3, 'string'] }] }, { containers: [1, R(Container)] }],
  ContainerStatus: ['RuntimeService', { container_id: [1, 'string'], verbose: [2, 'bool'] }, { status: [1, ContainerStatus], info: [2, M('string')] }],
  UpdateContainerResources: ['RuntimeService', { container_id: [1, 'string'], linux: [2, LinuxContainerResources] }, {}],
  ExecSync: ['RuntimeService', { container_id: [1, 'string'], cmd: [2, R('string')], timeout: [3, 'int64'] }, { stdout: [1, 'bytes'], stderr: [2, 'bytes'], exit_code: [3, 'int32'] }],
  ContainerStats: ['RuntimeService', { container_id: [1, 'string'] }, { stats: [1, ContainerStats] }],
  ListImages: ['ImageService', { filter: [1, { image: [1, ImageSpec] }] }, { images: [1, R({ id: [1, 'string'], repo_tags: [2, R('string')] })] }],
};

/** CRI enums, by their names in the API. */
const NamespaceMode = { POD: 0, CONTAINER: 1, NODE: 2, TARGET: 3 };
const MountPropagation = { PRIVATE: 0, HOST_TO_CONTAINER: 1, BIDIRECTIONAL: 2 };
const ContainerState = { CREATED: 0, RUNNING: 1, EXITED: 2, UNKNOWN: 3 };
const ProfileType = { RuntimeDefault: 0, Unconfined: 1, Localhost: 2 };

/** A CRI client on a unix socket: cri.call('Version', {...}) resolves to the decoded response. */
function criClient(socket) {
  const client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure());
  return {
    call(name, request, { timeoutMs = 60000 } = {}) {
      const [service, reqSchema, resSchema] = RPCS[name];
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(`/runtime.v1.${service}/${name}`, (r) => encode(reqSchema, r), (b) => decode(resSchema, b), request,
          { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(Object.assign(err, { message: `${name}: ${err.message}` })) : resolve(res)));
      });
    },
    close() { client.close(); },
  };
}

module.exports = { criClient, NamespaceMode, MountPropagation, ContainerState, ProfileType };
