variable "region" {
  type        = string
  description = "AWS region of the group."
  default     = "us-east-1"
}

variable "name" {
  type        = string
  description = "Names the launch template, the group and the instance profile."
  default     = "web"
}

variable "image_name" {
  type        = string
  description = "The kiln.bake.image_name whose newest good image is deployed (kiln images --json)."
  default     = "web"
}

variable "image_id" {
  type        = string
  description = "Deploy exactly this AMI instead (kiln images rollback with onBadImage.command sets it: -var image_id=...)."
  default     = ""
}

variable "collector_url" {
  type        = string
  description = "The kiln collector the agents ship to."
}

variable "enrollment_token_parameter" {
  type        = string
  description = "Off the identity document: the NAME of an SSM parameter holding an enrollment token (never the token). Empty: the agent enrolls with its AWS-signed identity document."
  default     = ""
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the group."
}

variable "instance_type" {
  type    = string
  default = "t3.small"
}

variable "min_size" {
  type    = number
  default = 2
}

variable "max_size" {
  type    = number
  default = 6
}

variable "desired_capacity" {
  type    = number
  default = 3
}
