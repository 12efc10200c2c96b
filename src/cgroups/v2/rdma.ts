// v2 rdma: rdma.max, in the same format as v1.
import { applyRdma, rdmaLines } from '../v1/rdma';
import type { V2Controller } from '../types';

export const rdma: V2Controller = {
  controller: 'rdma',
  wanted: (r) => rdmaLines(r.rdma).length > 0,
  apply: applyRdma,
};
