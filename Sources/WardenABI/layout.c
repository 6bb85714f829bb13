/* Compiles the ABI header for the host so its _Static_asserts check the layout Swift sees too. */
#include "warden_abi.h"
