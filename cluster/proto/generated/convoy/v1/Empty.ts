// Original file: common.proto


export interface Empty {
}

export interface Empty__Output {
}
