// Original file: common.proto


/**
 * A task function: a module (file URL, or a path inside an uploaded job package) and an export name.
 */
export interface FunctionDescriptor {
  'moduleUrl'?: (string);
  'exportName'?: (string);
  /**
   * set when the module lives in an uploaded working directory
   */
  'packageId'?: (string);
  /**
   * the module's path relative to that directory
   */
  'packagePath'?: (string);
}

/**
 * A task function: a module (file URL, or a path inside an uploaded job package) and an export name.
 */
export interface FunctionDescriptor__Output {
  'moduleUrl': (string);
  'exportName': (string);
  /**
   * set when the module lives in an uploaded working directory
   */
  'packageId': (string);
  /**
   * the module's path relative to that directory
   */
  'packagePath': (string);
}
